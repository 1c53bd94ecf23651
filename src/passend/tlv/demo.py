"""A demo TLV application waiting for the Commissie van Advies (issue 5), loaded by `load_demo`.

Prepared through the services like a real one: the coordinator of Lyceum De Zuiderhaven fills in
steps 1 and 2 (Dat / Waarom), the VSO school its part of steps 3 and 4 (Waar / Hoe), and the
board submits (TLV-01/02). The file is complete, so the CvA secretary finds it in the triage
queue with its receipt letter and open terms. Idempotent: recognised by its pupil.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from passend.access.actor import Actor
from passend.accounts.demo import DemoRegion
from passend.accounts.models import Membership
from passend.pupils.models import Pupil
from passend.tlv import services
from passend.tlv.models import TlvApplication

DEMO_PUPIL_NUMBER = "D003"


def _actor(region: DemoRegion, username: str) -> Actor:
    return Actor.for_membership(Membership.objects.get(user=region.users[username]))


def load_tlv_demo(region: DemoRegion) -> None:
    pupil = Pupil.objects.filter(source_system="demo", source_key=DEMO_PUPIL_NUMBER).first()
    if pupil is None or TlvApplication.objects.filter(case__pupil=pupil).exists():
        return
    today = timezone.localdate()
    signed = today - dt.timedelta(days=7)
    coordinator = _actor(region, "zoco-vo")
    application = services.start_application(
        coordinator,
        pupil=pupil,
        requested_type="vso",
        intended_school=region.org("school_vso"),
    )
    services.update_application(
        coordinator,
        application,
        needs="Een kleine groep met veel structuur en voorspelbaarheid. (demo)",
        exit_perspective="labour",
        support_given="Twee jaar arrangement met een ambulant begeleider in de klas. (demo)",
        support_results="Korte periodes vooruitgang, daarna weer uitval in grote groepen. (demo)",
        lovs_summary="Rekenen en lezen op niveau; gedrag belemmert het leren. (demo)",
        why_not_regular="Ook met extra ondersteuning is de groep te groot en te druk. (demo)",
        substantiation="Integrale onderbouwing door de orthopedagoog van het SWV. (demo)",
        disability="c4",
        parents_seen_on=signed,
        parents_view="Ouders steunen de aanvraag. (demo)",
        pupil_heard_on=signed,
        pupil_view="Wil naar een rustige school met kleine klassen. (demo)",
        expert_1_name="Drs. A. de Vries, orthopedagoog generalist (demo)",
        expert_1_profession="orthopedagogue",
        expert_1_signed_on=signed,
        expert_2_name="Dr. B. Jansen (demo)",
        expert_2_expertise="Kinder- en jeugdpsychiatrie (demo)",
        expert_2_signed_on=signed,
    )
    services.update_application(
        _actor(region, "zoco-vso"),
        application,
        why_intended_school="Kleine klassen met gedragsspecialisten en een vaste mentor. (demo)",
        end_goals="Entree-opleiding en begeleiding naar werk. (demo)",
        ivo={"instruction": "Korte instructie, vaste plek", "expertise": "Gedragswetenschapper"},
    )
    services.submit(_actor(region, "bestuur"), application)
    region.changes += 1
