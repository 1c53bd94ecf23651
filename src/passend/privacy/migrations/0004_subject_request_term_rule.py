"""Default term of a data subject request (PRV-02/03/04), editable afterwards (terms admin).

4 weeks from receipt meets AVG art. 12(3) (one month). The extension is counted in the same
unit: at most 8 weeks, which always stays within the AVG's "two further months".
"""

from django.db import migrations


def load(apps, schema_editor):
    TermRule = apps.get_model("terms", "TermRule")
    TermRule.objects.get_or_create(
        code="subject-request",
        defaults={
            "name": "Verzoek van een betrokkene afhandelen",
            "rule_reference": "PRV-02",
            "length": 4,
            "unit": "weeks",
            "max_extension": 8,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_subject_requests_disclosures"), ("terms", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
