"""The covenant's model kinds of casusoverleg (CO-01) and the term rules of this module."""

from django.db import migrations


def load(apps, schema_editor):
    from passend.consultations.defaults import KINDS, TERM_RULES

    Kind = apps.get_model("consultations", "ConsultationKind")
    Party = apps.get_model("consultations", "KindParty")
    TermRule = apps.get_model("terms", "TermRule")
    for values in KINDS:
        values = dict(values)
        parties = values.pop("parties")
        kind, created = Kind.objects.get_or_create(
            swv=None, code=values["code"], defaults=values
        )
        if created:
            for position, (org_kind, function, task, director) in enumerate(parties):
                Party.objects.create(
                    kind=kind,
                    position=position,
                    organisation_kind=org_kind,
                    function=function,
                    legal_task=task,
                    is_process_director=director,
                )
    for rule in TERM_RULES:
        TermRule.objects.get_or_create(code=rule["code"], defaults=rule)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0001_initial"),
        ("terms", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
