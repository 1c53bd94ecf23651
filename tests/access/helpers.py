"""Builders for policy tests: cases with participants, consents and grounds, straight via the ORM.

Policy tests set up state directly so that they test the policy alone; service tests go
through the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from passend.accounts.models import Membership
from passend.cases.models import Case, CaseKind, Participant, Phase
from passend.consent.models import Consent, ConsentMethod, LegalGround
from passend.pupils.models import Enrolment, Guardian, Pupil

_counter = {"n": 0}


def make_pupil(school: Any, *, birth_date: dt.date = dt.date(2012, 5, 1), **kwargs: Any) -> Pupil:
    _counter["n"] += 1
    pupil = Pupil.objects.create(
        first_name=kwargs.pop("first_name", f"Fenna{_counter['n']}"),
        last_name=kwargs.pop("last_name", "Testerink"),
        birth_date=birth_date,
        **kwargs,
    )
    Enrolment.objects.create(pupil=pupil, school=school, start_date=dt.date(2024, 8, 20))
    Guardian.objects.create(
        pupil=pupil, first_name="Moeder", last_name="Testerink", relation="mother"
    )
    return pupil


def make_case(
    owner_membership: Membership,
    *,
    pupil: Pupil | None = None,
    kind: str = CaseKind.SUPPORT,
    phase: str = Phase.INTAKE,
) -> Case:
    _counter["n"] += 1
    case = Case.objects.create(
        kind=kind,
        pupil=pupil,
        is_anonymous=pupil is None,
        pseudonym=f"TTEST-{_counter['n']:05d}",
        owner=owner_membership.organisation,
        process_director=owner_membership.user,
        phase=phase,
    )
    add_participant(case, owner_membership, Phase.INTAKE)
    return case


def add_participant(case: Case, membership: Membership, joined_phase: str) -> Participant:
    return Participant.objects.create(
        case=case,
        organisation=membership.organisation,
        user=membership.user,
        role=membership.get_role_display(),
        joined_phase=joined_phase,
    )


def give_consent(case: Case, parties: list[Any], categories: list[str], by: Any) -> Consent:
    consent = Consent.objects.create(
        case=case,
        categories=categories,
        given_by_pupil=True,
        given_on=dt.date(2026, 1, 10),
        form_version="v1",
        method=ConsentMethod.DIGITAL,
        recorded_by=by,
    )
    consent.parties.set(parties)
    return consent


def record_ground(
    case: Case, organisation: Any, basis: str, categories: list[str], by: Any
) -> LegalGround:
    return LegalGround.objects.create(
        case=case, organisation=organisation, basis=basis, categories=categories, recorded_by=by
    )


def set_opened_at(cases: QuerySet[Case], moment: dt.datetime) -> None:
    """Moves these cases' opening time, and its copy on their participations (issue 10), as
    if they had been opened then (the application never changes it: auto_now_add)."""
    ids = list(cases.values_list("pk", flat=True))
    Case.objects.filter(pk__in=ids).update(opened_at=moment)
    Participant.objects.filter(case_id__in=ids).update(case_opened_at=moment)
