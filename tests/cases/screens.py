"""Builders shared by the screen and API tests of cases: real services, real policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.utils import timezone

from passend.access.actor import Actor
from passend.accounts.models import Membership, Organisation, OrganisationKind, Role
from passend.accounts.services import issue_api_token
from passend.cases import services as case_services
from passend.cases.models import Case, CaseEntry, CaseKind, Phase
from passend.consent import services as consent_services
from passend.consent.models import Consent, ConsentMethod
from passend.privacy.categories import DataCategory
from passend.pupils.models import Pupil
from tests.access.helpers import make_pupil
from tests.conftest import make_professional
from tests.factories import OrganisationFactory


def actor(user: Any, organisation: Organisation | None = None) -> Actor:
    memberships = Membership.objects.select_related("organisation", "user").filter(user=user)
    if organisation is not None:
        memberships = memberships.filter(organisation=organisation)
    return Actor.for_membership(memberships.get())


def api_client(user: Any) -> Client:
    membership = Membership.objects.select_related("organisation").get(user=user)
    _token, raw = issue_api_token(Actor.for_membership(membership).context, membership)
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


def ggd_org() -> Organisation:
    return OrganisationFactory(name="GGD Test", kind=OrganisationKind.GGD)


@dataclass
class World:
    region: dict[str, Any]
    owner: Any  # support coordinator of school A, process director
    partner: Any  # GGD professional, a participant of the case
    ggd: Organisation
    pupil: Pupil
    case: Case

    def refresh(self) -> Case:
        self.case.refresh_from_db()
        return self.case


def open_case(
    owner: Any,
    pupil: Pupil | None,
    *,
    kind: str = CaseKind.SUPPORT,
    title: str = "",
) -> Case:
    return case_services.open_case(
        actor(owner), kind=kind, pupil=pupil, is_anonymous=pupil is None, title=title
    )


def cases_for_every_filter(world: World, owner: Any) -> Case:
    """Besides the world's case: an attendance case of a pupil, closed, and four anonymous
    support cases, so that each of the list's filters (phase, kind, status) finds some and
    leaves some out. Returns the attendance case."""
    attendance = open_case(owner, make_pupil(world.region["school_a"]), kind=CaseKind.ATTENDANCE)
    case_services.change_phase(actor(owner), attendance, to_phase=Phase.CLOSED)
    for _ in range(4):
        open_case(owner, None)
    return attendance


def add_partner(
    owner: Any, case: Case, user: Any, organisation: Organisation, phase: str | None = None
) -> Any:
    return case_services.add_participant(
        actor(owner),
        Case.objects.get(pk=case.pk),
        organisation=organisation,
        user=user,
        role="Jeugdarts",
        joined_phase=phase,
    )


def consent_for(
    owner: Any, case: Case, parties: list[Organisation], categories: list[str]
) -> Consent:
    """A valid consent for a pupil of 12..16 (AGE-03: pupil and all guardians with authority)."""
    case = Case.objects.select_related("pupil").get(pk=case.pk)
    assert case.pupil is not None
    return consent_services.give_consent(
        actor(owner),
        case,
        parties=parties,
        categories=categories,
        given_by_pupil=True,
        guardian_ids=list(case.pupil.guardians.values_list("pk", flat=True)),
        given_on=timezone.localdate(),
        form_version="2026-1",
        method=ConsentMethod.PAPER,
    )


def entry(
    user: Any, case: Case, category: str, title: str, organisation: Organisation | None = None
) -> CaseEntry:
    return case_services.add_entry(
        actor(user, organisation),
        Case.objects.get(pk=case.pk),
        category=category,
        title=title,
        body=f"Inhoud van {title}.",
    )


def build_world(region: dict[str, Any], owner: Any, *, first_name: str = "Fenna") -> World:
    ggd = ggd_org()
    partner = make_professional(ggd, Role.GGD_PROFESSIONAL, username=f"jeugdarts-{owner.username}")
    pupil = make_pupil(
        region["school_a"],
        first_name=first_name,
        last_name="Zilverschoon",
        birth_date=dt.date(2012, 5, 1),
    )
    case = open_case(owner, pupil, title="Lezen en rekenen")
    add_partner(owner, case, partner, ggd)
    return World(region, owner, partner, ggd, pupil, case)


ALL = list(DataCategory.values)
