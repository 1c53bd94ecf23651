"""PRV-06 defaults: every kind of case is kept 3 years after it is closed ("afgemeld").

Seed 004 (privacyreglement art. 12, §9 "Bewaartermijnen"): the SWV/CvA keeps data until three
years after the end of the assessment, the advice or the allocation; the school where the pupil
is enrolled keeps its data until three years after the advice. A school or other owner with
different terms gets its own row (functional administrator, audited).
"""

from django.db import migrations

KINDS = ["support", "consultation", "tlv", "arrangement", "attendance", "home_stay"]
BASIS = (
    "PRV-06; privacyreglement SWV art. 12 en werkwijze CvA §9: tot drie jaar na afloop van de "
    "beoordeling, advisering of toewijzing"
)


def add_defaults(apps, schema_editor):
    RetentionPolicy = apps.get_model("retention", "RetentionPolicy")
    for kind in KINDS:
        RetentionPolicy.objects.get_or_create(
            case_kind=kind, organisation=None, defaults={"years": 3, "months": 0, "basis": BASIS}
        )


def remove_defaults(apps, schema_editor):
    apps.get_model("retention", "RetentionPolicy").objects.filter(
        organisation__isnull=True, case_kind__in=KINDS
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
