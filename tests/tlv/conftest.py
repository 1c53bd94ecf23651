"""A TLV region: requesting school A, intended VSO school, board, CvA members, SWV director."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from passend.access.actor import Actor
from passend.accounts.models import Membership, OrganisationKind, Role, SchoolType, Sector
from passend.tlv import services
from passend.tlv.models import TlvApplication
from tests.access.helpers import make_pupil
from tests.conftest import make_professional
from tests.factories import OrganisationFactory


@dataclass
class World:
    region: dict[str, Any]
    vso: Any
    coordinator: Any
    vso_coordinator: Any
    board_user: Any
    secretary: Any
    chair: Any
    medical: Any
    director: Any
    pupil: Any

    def actor(self, user: Any) -> Actor:
        return Actor.for_membership(Membership.objects.get(user=user))


COMPLETE_REQUESTING = {
    "needs": "Een kleine groep en veel structuur.",
    "exit_perspective": "labour",
    "support_given": "Twee jaar extra begeleiding in de klas.",
    "support_results": "Weinig vooruitgang.",
    "lovs_summary": "Rekenen en lezen E-scores.",
    "why_not_regular": "De groepen zijn te groot.",
    "substantiation": "Integrale onderbouwing door de orthopedagoog.",
    "disability": "c4",
    "parents_seen_on": dt.date(2026, 9, 1),
    "parents_view": "Ouders steunen de aanvraag.",
    "pupil_heard_on": dt.date(2026, 9, 2),
    "pupil_view": "Wil naar een rustige school.",
    "expert_1_name": "Drs. O. Pedagoog",
    "expert_1_profession": "orthopedagogue",
    "expert_1_signed_on": dt.date(2026, 9, 3),
    "expert_2_name": "Dr. K. Psychiater",
    "expert_2_expertise": "Kinder- en jeugdpsychiatrie",
    "expert_2_signed_on": dt.date(2026, 9, 3),
}
COMPLETE_INTENDED = {
    "why_intended_school": "Kleine klassen met gedragsspecialisten.",
    "end_goals": "Diploma entree-opleiding.",
    "ivo": {"instruction": "Korte instructie", "expertise": "Gedragswetenschapper"},
}

# TLV-06: every criterion of a cluster 4 application established.
CRITERIA_MET = {
    "disorder_established": True,
    "educational_limitation": True,
    "care_insufficient": True,
    "causal_link": True,
}


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> World:
    vso_board = OrganisationFactory(name="Bestuur VSO", kind=OrganisationKind.SCHOOL_BOARD)
    vso = OrganisationFactory(
        name="VSO De Brug",
        kind=OrganisationKind.SCHOOL,
        sector=Sector.VO,
        school_type=SchoolType.VSO,
        board=vso_board,
        swv=region["swv"],
        brin="33CC",
        vestiging="00",
    )
    return World(
        region=region,
        vso=vso,
        coordinator=coordinator_a,
        vso_coordinator=make_professional(vso, Role.SUPPORT_COORDINATOR, username="ib-vso"),
        board_user=make_professional(region["board"], Role.SCHOOL_BOARD, username="bestuur"),
        secretary=make_professional(region["cva"], Role.CVA_SECRETARY, username="secretaris"),
        chair=make_professional(region["cva"], Role.CVA_CHAIR, username="voorzitter"),
        medical=make_professional(region["cva"], Role.CVA_MEDICAL_SPECIALIST, username="arts"),
        director=make_professional(region["swv"], Role.SWV_DIRECTOR, username="directeur"),
        pupil=make_pupil(
            region["school_a"],
            first_name="Tijmen",
            last_name="Toelaatbaar",
            birth_date=dt.date(2012, 4, 1),
        ),
    )


def prepared(world: World, *, complete: bool = True, **overrides: Any) -> TlvApplication:
    application = services.start_application(
        world.actor(world.coordinator),
        pupil=world.pupil,
        requested_type="vso",
        intended_school=world.vso,
    )
    values = dict(COMPLETE_REQUESTING if complete else {"needs": "Structuur."})
    values.update(overrides)
    services.update_application(world.actor(world.coordinator), application, **values)
    if complete:
        services.update_application(
            world.actor(world.vso_coordinator), application, **COMPLETE_INTENDED
        )
    application.refresh_from_db()
    return application


def submitted(world: World, **overrides: Any) -> TlvApplication:
    application = prepared(world, **overrides)
    return services.submit(world.actor(world.board_user), application)


def sent_back_to_mdo(world: World) -> TlvApplication:
    """TLV-06: the experts disagree, so the assessment sends the file back to a
    multidisciplinary meeting."""
    application = submitted(world)
    services.triage(world.actor(world.secretary), application, route="secretary")
    TlvApplication.objects.filter(pk=application.pk).update(experts_agree=False)
    services.assess(world.actor(world.secretary), application, disorder_established=True)
    application.refresh_from_db()
    return application


def advised(world: World, *, by_gavel: bool = True, **overrides: Any) -> TlvApplication:
    application = submitted(world, **overrides)
    services.triage(world.actor(world.secretary), application, route="secretary")
    services.assess(world.actor(world.secretary), application, **CRITERIA_MET)
    services.give_advice(
        world.actor(world.secretary), application, positive=True, by_gavel=by_gavel
    )
    application.refresh_from_db()
    return application
