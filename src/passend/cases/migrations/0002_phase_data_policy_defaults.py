"""CO-02 defaults: which data categories participants who joined for a phase may see."""

from django.db import migrations

# Absence belongs to intake: verzuim- and thuiszittertrajecten start from it (CO-07, ABS-05).
DEFAULTS = {
    "intake": ["ordinary", "family", "absence"],
    "assessment": ["ordinary", "family", "behaviour", "absence", "health", "diagnostics"],
    "plan": ["ordinary", "family", "behaviour", "absence", "health"],
    "monitoring": ["ordinary", "behaviour", "absence"],
    "evaluation": ["ordinary", "behaviour", "absence"],
    "aftercare": ["ordinary"],
    "closed": [],
}


def load(apps, schema_editor):
    PhaseDataPolicy = apps.get_model("cases", "PhaseDataPolicy")
    for phase, categories in DEFAULTS.items():
        PhaseDataPolicy.objects.get_or_create(phase=phase, defaults={"categories": categories})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
