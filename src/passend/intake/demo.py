"""Demo part: one published application form of SWV VO Groningen Stad and one example
submission in its intake queue. Idempotent (found by natural key); everything fictitious."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from passend.accounts.demo import DemoRegion, upsert
from passend.intake.models import (
    Audience,
    FieldKind,
    IntakeAttachmentRule,
    IntakeField,
    IntakeForm,
    IntakeSubmission,
)
from passend.intake.services import source_key
from passend.privacy.categories import DataCategory

DEMO_PUBLIC_ID = "demoAanmeldenOudersVO"
DEMO_FORM_TITLE = "Aanmelding ondersteuning door ouders (demo)"
CONSENT_TEXT = (
    "Ik geef het samenwerkingsverband toestemming om de gegevens op dit formulier en de "
    "bijlagen te gebruiken voor de beoordeling van de ondersteuningsvraag van mijn kind. "
    "Ik kan deze toestemming altijd intrekken. Vermeld geen BSN."
)
FIELDS = [
    (10, "Wat is de vraag of zorg over uw kind?", FieldKind.LONG_TEXT, True, "", ""),
    (20, "Op welke school zit uw kind nu?", FieldKind.TEXT, True, "", ""),
    (30, "Sinds wanneer speelt dit?", FieldKind.DATE, False, "", ""),
    (
        40,
        "Is er al hulp betrokken?",
        FieldKind.CHOICE,
        True,
        "",
        "Nee\nJa, via de school\nJa, jeugdhulp of wijkteam",
    ),
    (50, "Gaat uw kind op dit moment naar school?", FieldKind.YES_NO, True, "", ""),
]


def load_intake(region: DemoRegion) -> None:
    swv = region.org("swv_vo")
    director = region.users["directeur-swv"]
    form, changed = upsert(
        IntakeForm,
        {"public_id": DEMO_PUBLIC_ID},
        {
            "swv": swv,
            "title": DEMO_FORM_TITLE,
            "intro": (
                "Met dit formulier meldt u als ouder uw kind aan bij het samenwerkingsverband. "
                "Wij nemen binnen tien werkdagen contact met u op."
            ),
            "audience": Audience.PARENTS,
            "consent_text": CONSENT_TEXT,
            "status": IntakeForm.Status.PUBLISHED,
            "created_by": director,
        },
    )
    region.changes += int(changed)
    for order, label, kind, required, help_text, choices in FIELDS:
        _field, changed = upsert(
            IntakeField,
            {"form": form, "order": order},
            {
                "label": label,
                "kind": kind,
                "required": required,
                "help_text": help_text,
                "choices": choices,
            },
        )
        region.changes += int(changed)
    _rule, changed = upsert(
        IntakeAttachmentRule,
        {"form": form, "order": 10},
        {
            "label": "Verslag van eerdere hulp (als u dat hebt)",
            "category": DataCategory.DIAGNOSTICS,
            "required": False,
        },
    )
    region.changes += int(changed)
    if not IntakeSubmission.objects.filter(form=form, submitter_name="Petra Oosterhuis").exists():
        fields = {f.order: f for f in form.fields.all()}
        values = {
            10: "Onze dochter loopt vast in de brugklas en wil 's ochtends niet meer naar school.",
            20: "Stadslyceum (demo)",
            30: "2026-09-01",
            40: "Ja, via de school",
            50: "ja",
        }
        IntakeSubmission.objects.create(
            form=form,
            swv=swv,
            form_version=form.version,
            submitter_role=Audience.PARENTS,
            submitter_name="Petra Oosterhuis",
            submitter_email="petra.oosterhuis@example.invalid",
            pupil_first_name="Lotte",
            pupil_last_name="Oosterhuis",
            pupil_birth_date=dt.date(2013, 5, 17),
            answers=[
                {
                    "field": fields[o].pk,
                    "label": fields[o].label,
                    "kind": fields[o].kind,
                    "value": v,
                }
                for o, v in values.items()
            ],
            consent_text=form.consent_text,
            consent_accepted_at=timezone.now(),
            source_key=source_key("demo"),
        )
        region.changes += 1
