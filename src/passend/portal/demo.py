"""Portal identities for the demo region: one guardian and one youth of 16+ (fictitious).

Runs after the cases part (which creates the demo pupils); idempotent.
"""

from __future__ import annotations

from passend.accounts.demo import DemoRegion
from passend.portal.models import PortalIdentity
from passend.pupils.models import Guardian, Pupil

DEMO_SOURCE = "demo"
# (pupil number, guardian first name or "" for the pupil itself, e-mail address)
DEMO_PORTAL = [
    ("D001", "Marieke", "ouder.demo@example.org"),  # mother of a pupil of 14 (AGE-03: joint)
    ("D002", "", "jongere.demo@example.org"),  # a youth of 17 (AGE-03: the youth alone)
]


def load_portal_demo(region: DemoRegion) -> None:
    for number, guardian_first, email in DEMO_PORTAL:
        pupil = Pupil.objects.filter(source_system=DEMO_SOURCE, source_key=number).first()
        if pupil is None:
            continue
        if guardian_first:
            guardian = Guardian.objects.filter(pupil=pupil, first_name=guardian_first).first()
            if guardian is not None and guardian.email != email:
                guardian.email = email
                guardian.save(update_fields=["email"])
                region.changes += 1
        elif pupil.email != email:
            pupil.email = email
            pupil.save(update_fields=["email"])
            region.changes += 1
        _identity, created = PortalIdentity.objects.get_or_create(email=email)
        region.changes += int(created)
    region.notes.extend(
        [
            "Ouder- en jongerenportaal: /portaal/inloggen/ (geen wachtwoord, geen 2FA-app).",
            "Vul een van deze e-mailadressen in; de e-mail met de aanmeldlink verschijnt in de",
            "console van `manage.py runserver` (EMAIL_BACKEND console). Open de link en vul de",
            "controlecode in die het scherm na het aanvragen toonde.",
            "    ouder.demo@example.org — ouder met gezag van een leerling van 14 (samen, AGE-03)",
            "    jongere.demo@example.org — jongere van 17 (beslist alleen; kan ouders laten "
            "meekijken)",
            "",
        ]
    )
