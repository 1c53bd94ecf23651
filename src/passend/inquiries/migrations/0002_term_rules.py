"""Defaults of the informatiepunt (INF-01): answer terms, editable by a functional
administrator afterwards (terms admin)."""

from django.db import migrations

# code, name, rule, length, unit, max_extension
TERM_RULES = [
    ("inquiry-answer", "Vraag aan het informatiepunt beantwoorden", "INF-01", 10, "working_days", 0),
    ("inquiry-complaint", "Klacht bij het informatiepunt afhandelen", "INF-01", 6, "weeks", 0),
]


def load(apps, schema_editor):
    TermRule = apps.get_model("terms", "TermRule")
    for code, name, rule, length, unit, max_extension in TERM_RULES:
        TermRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rule_reference": rule,
                "length": length,
                "unit": unit,
                "max_extension": max_extension,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("inquiries", "0001_initial"), ("terms", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
