"""Demo data of subject requests (issue 8): two requests in the demo region's SWV VO.

Idempotent: a request is found again by its description marker. Runs after the cases part
(it needs the demo pupils), see ``PrivacyConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.utils import timezone

from passend.privacy.context import AccessContext
from passend.privacy.models import SubjectRequest
from passend.privacy.services import register_disclosure, submit_subject_request

DEMO_SOURCE = "demo"


def load_subject_requests(region: Any) -> None:
    pupil_model = apps.get_model("pupils", "Pupil")
    pupil = pupil_model.objects.filter(source_system=DEMO_SOURCE, source_key="D001").first()
    swv = region.organisations.get("swv_vo")
    if pupil is None or swv is None:
        return
    today = timezone.localdate()
    context = AccessContext.system()
    demo = [
        (
            "access",
            "(demo) Ik wil graag weten welke gegevens jullie over mijn zoon hebben en wie ze heeft ingezien.",
            "Saskia de Vries",
            "parent",
            True,
            today - dt.timedelta(days=10),
        ),
        (
            "rectification",
            "(demo) Het telefoonnummer in het dossier klopt niet meer; graag aanpassen.",
            "Saskia de Vries",
            "parent",
            False,
            today - dt.timedelta(days=3),
        ),
    ]
    for kind, description, name, relation, verified, received in demo:
        if SubjectRequest.objects.filter(pupil=pupil, kind=kind, description=description).exists():
            continue
        submit_subject_request(
            pupil=pupil,
            kind=kind,
            description=description,
            requester_name=name,
            requester_relation=relation,
            channel="staff",
            organisation_id=swv.pk,
            received_on=received,
            identity_verified=verified,
            identity_note="(demo) legitimatiebewijs getoond aan de balie" if verified else "",
            context=context,
        )
        region.changes += 1
    municipality = region.organisations.get("municipality")
    if municipality is not None and not pupil.disclosures.exists():
        register_disclosure(
            context,
            pupil_id=pupil.pk,
            recipient=municipality.name,
            recipient_organisation_id=municipality.pk,
            description="(demo) Verzuimmelding aan leerplicht",
            legal_ground="Leerplichtwet 1969 art. 21 (wettelijke plicht)",
            data_categories=("ordinary", "absence"),
        )
        region.changes += 1


def load_after_other_parts(region: Any) -> None:
    """Registered early (privacy's ready runs before cases'); defers the real part to the end
    of the list that ``load_demo`` is iterating, so it runs after the demo pupils exist."""
    from passend.accounts.demo import register_part

    register_part(load_subject_requests)
