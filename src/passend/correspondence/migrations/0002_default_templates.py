"""Default letter templates, editable by the functional administrator."""

from django.db import migrations

TEMPLATES = [
    {
        "code": "ontvangstbevestiging",
        "name": "Ontvangstbevestiging aanvraag",
        "subject": "Ontvangstbevestiging {{ pseudoniem }}",
        "body": (
            "Geachte {{ ontvanger }},\n\n"
            "Wij hebben uw aanvraag voor {{ leerling }} ontvangen. U hoort binnen de "
            "wettelijke termijn van ons.\n\n"
            "Met vriendelijke groet,\n{{ afzender }}\n{{ organisatie }}"
        ),
    },
    {
        "code": "aanvulling-gevraagd",
        "name": "Verzoek om aanvulling",
        "subject": "Aanvulling gevraagd {{ pseudoniem }}",
        "body": (
            "Geachte {{ ontvanger }},\n\n"
            "Voor de behandeling van de aanvraag voor {{ leerling }} hebben wij aanvullende "
            "stukken nodig. U vindt het verzoek in Passend.\n\n"
            "Met vriendelijke groet,\n{{ afzender }}\n{{ organisatie }}"
        ),
    },
    {
        "code": "uitnodiging-ouders",
        "name": "Uitnodiging ouders voor casusoverleg",
        "subject": "Uitnodiging overleg over {{ leerling }}",
        "body": (
            "Beste {{ ontvanger }},\n\n"
            "Wij nodigen u uit voor een overleg over {{ leerling }}. U mag iemand meenemen die "
            "u ondersteunt, bijvoorbeeld een cliëntondersteuner.\n\n"
            "Met vriendelijke groet,\n{{ afzender }}\n{{ organisatie }}"
        ),
    },
]


def load(apps, schema_editor):
    LetterTemplate = apps.get_model("correspondence", "LetterTemplate")
    for values in TEMPLATES:
        LetterTemplate.objects.get_or_create(organisation=None, code=values["code"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
