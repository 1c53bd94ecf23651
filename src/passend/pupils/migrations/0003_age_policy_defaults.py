"""AGE-03: the covenant's ages as the shipped default (editable by a functional administrator)."""

from django.db import migrations


def load_defaults(apps, schema_editor):
    AgePolicy = apps.get_model("pupils", "AgePolicy")
    AgePolicy.objects.get_or_create(
        pk=1,
        defaults={
            "joint_from_age": 12,
            "child_alone_from_age": 16,
            "parents_information_until_age": 18,
            "consent_requires_all_guardians": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("pupils", "0002_age_policy_imports_source_school")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
