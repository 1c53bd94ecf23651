"""Builders for consultation tests: real services and the real policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from passend.accounts.models import Organisation, OrganisationKind, Role
from passend.cases import services as case_services
from passend.cases.models import Case, Phase
from passend.consultations import services
from passend.consultations.models import ConsultationKind, Meeting
from passend.privacy.categories import DataCategory
from passend.pupils.models import Guardian, Pupil
from tests.access.helpers import make_pupil
from tests.cases.screens import actor, consent_for, open_case
from tests.conftest import make_professional
from tests.factories import OrganisationFactory


def kind(code: str = "mpo") -> ConsultationKind:
    return ConsultationKind.objects.get(swv__isnull=True, code=code)


def pupil_named(school: Organisation, first: str, last: str, prefix: str = "") -> Pupil:
    pupil = make_pupil(
        school, first_name=first, last_name=last, name_prefix=prefix, birth_date=dt.date(2012, 3, 4)
    )
    Guardian.objects.filter(pupil=pupil).update(
        first_name=f"Ouder{first}", last_name=f"Ouderfam{last}"
    )
    return pupil


def case_for(owner: Any, pupil: Pupil, phase: str = Phase.ASSESSMENT) -> Case:
    case = open_case(owner, pupil, title="Overleg nodig")
    if phase != Phase.INTAKE:
        case = case_services.change_phase(actor(owner), case, to_phase=Phase.ASSESSMENT)
    return Case.objects.get(pk=case.pk)


def to_plan_phase(owner: Any, case: Case) -> Case:
    case_services.assign_directors(actor(owner), case, process_director=owner, case_director=owner)
    case = Case.objects.get(pk=case.pk)
    case_services.change_phase(actor(owner), case, to_phase=Phase.PLAN)
    return Case.objects.get(pk=case.pk)


def meeting(owner: Any, code: str = "mpo", days: int = 7) -> Meeting:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return services.plan_meeting(
        actor(owner),
        kind=kind(code),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        location="School A, kamer 12",
        video_link="https://video.example.invalid/overleg-42",
    )


@dataclass
class Agenda:
    owner: Any
    ggd: Organisation
    external: Any
    pupils: list[Pupil]
    cases: list[Case]
    meeting: Meeting


NAMES = [("Annelotte", "Brinkgreve"), ("Bartholomeus", "Kwakernaak"), ("Cornelia", "Dijkhuizen")]


def agenda_with_external_on_b(region: dict[str, Any], owner: Any) -> Agenda:
    """Items A, B, C for three pupils; a GGD professional invited for item B only (CO-03)."""
    ggd = OrganisationFactory(name="GGD Regio", kind=OrganisationKind.GGD)
    external = make_professional(ggd, Role.GGD_PROFESSIONAL, username="jeugdarts-extern")
    pupils = [pupil_named(region["school_a"], f, lst) for f, lst in NAMES]
    cases = [case_for(owner, p) for p in pupils]
    planned = meeting(owner)
    for index, case in enumerate(cases):
        invitees = [(external, ggd)] if index == 1 else []
        services.add_agenda_item(actor(owner), planned, case, invitees=invitees)
    # The external party sees B's data on a ground (consent), as the policy requires.
    consent_for(owner, cases[1], [ggd], [DataCategory.ORDINARY, DataCategory.BEHAVIOUR])
    fresh = [Case.objects.get(pk=c.pk) for c in cases]
    return Agenda(owner, ggd, external, pupils, fresh, planned)
