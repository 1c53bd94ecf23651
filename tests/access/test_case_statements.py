"""The case page's rows from statements written once (``passend.statements``, issue 10): the
same instances, values, types, joined rows and order as the ORM gives (``with_policy_data``,
the case page's querysets), on SQLite and PostgreSQL alike, and the relations behave as
``prefetch_related`` leaves them. The policy decides on these rows (ORG-04, CON-01..05,
AVG art. 18), so a difference here would be a difference in who sees what.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.access.selectors import (
    _cases_by_id,
    case_with_policy_data,
    row_cases,
    visible_entries,
    with_policy_data,
)
from passend.accounts.models import Membership, Role
from passend.cases.models import Case, CaseEntry, Hearing, Phase, PhaseChange
from passend.cases.selectors import case_detail
from passend.consent.models import Justification, LegalBasis
from passend.privacy.categories import DataCategory
from passend.pupils.models import Guardian
from tests.access.helpers import add_participant, give_consent, make_case, make_pupil, record_ground
from tests.conftest import make_professional
from tests.factories import OrganisationFactory
from tests.privacy.helpers import restrict

pytestmark = pytest.mark.django_db


def values(instance: Any) -> dict[str, Any]:
    """Every column as the model holds it, with its Python type."""
    return {
        f.attname: (type(getattr(instance, f.attname)), getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
    }


def rows(manager: Any) -> list[dict[str, Any]]:
    return [values(item) for item in manager.all()]


def membership(user: Any) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user)


@pytest.fixture
def fg_actor(region: dict[str, Any]) -> Actor:
    fg = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg-statements")
    return Actor.for_membership(Membership.objects.get(user=fg))


@pytest.fixture
def full_case(region: dict[str, Any], coordinator_a: Any) -> Case:
    """A case with every relation the page shows filled, two of them more than once."""
    owner = membership(coordinator_a)
    ggd = OrganisationFactory(name="GGD Test", kind="ggd")
    nurse = membership(make_professional(ggd, Role.GGD_PROFESSIONAL, username="jgz"))
    pupil = make_pupil(region["school_a"])
    case = make_case(owner, pupil=pupil, phase=Phase.ASSESSMENT)
    case.case_director = nurse.user
    case.save(update_fields=["case_director"])
    ended = add_participant(case, nurse, Phase.ASSESSMENT)
    ended.ended_at = timezone.now()
    ended.save(update_fields=["ended_at"])
    add_participant(case, nurse, Phase.ASSESSMENT)
    father = Guardian.objects.create(
        pupil=pupil, first_name="Vader", last_name="Testerink", relation="father"
    )
    first = give_consent(case, [ggd, region["school_a"]], ["ordinary", "health"], by=owner.user)
    first.given_by_guardians.set([father, *pupil.guardians.exclude(pk=father.pk)])
    second = give_consent(case, [ggd], ["ordinary"], by=owner.user)
    second.given_on = dt.date(2026, 2, 1)
    second.revoked_at = timezone.now()
    second.save(update_fields=["given_on", "revoked_at"])
    record_ground(case, ggd, LegalBasis.REPORTING_RIGHT, ["ordinary"], by=owner.user)
    Justification.objects.create(
        case=case,
        organisation=ggd,
        categories=["health"],
        reason="Noodzakelijk voor de analyse",
        decided_by=owner.user,
    )
    Hearing.objects.create(
        case=case,
        heard_on=dt.date(2026, 3, 2),
        heard_by="Mentor",
        child_view="Wil op school blijven",
        recorded_by=owner.user,
    )
    PhaseChange.objects.create(
        case=case, from_phase=Phase.INTAKE, to_phase=Phase.ASSESSMENT, changed_by=owner.user
    )
    CaseEntry.objects.create(
        case=case,
        category=DataCategory.ORDINARY,
        supplied_by=ggd,
        phase=Phase.ASSESSMENT,
        title="Observatie",
        body="Tekst",
        recorded_by=nurse.user,
    )
    CaseEntry.objects.create(
        case=case,
        category=DataCategory.HEALTH,
        supplied_by=region["school_a"],
        phase=Phase.ASSESSMENT,
        title="Van de school",
        body="Tekst",
        recorded_by=owner.user,
    )
    return case


def test_the_same_case_relations_values_and_order_as_the_orm(
    full_case: Case, fg_actor: Actor
) -> None:
    restrict("restriction", full_case.pupil, fg_actor)
    orm = with_policy_data(Case.objects.filter(pk=full_case.pk)).get()
    mine = case_with_policy_data(full_case.pk)
    assert mine is not None
    assert values(mine) == values(orm)
    assert mine.pupil_restricted is True and orm.pupil_restricted is True  # type: ignore[attr-defined]
    for relation in ("pupil", "owner", "process_director", "case_director"):
        assert values(getattr(mine, relation)) == values(getattr(orm, relation))
    for relation in ("participants", "consents", "legal_grounds", "justifications"):
        assert rows(getattr(mine, relation)) == rows(getattr(orm, relation)), relation
    assert len(rows(mine.participants)) == 3 and len(rows(mine.consents)) == 2
    for theirs, ours in zip(orm.participants.all(), mine.participants.all(), strict=True):
        assert values(ours.user) == values(theirs.user)
        assert values(ours.organisation) == values(theirs.organisation)
    for theirs, ours in zip(orm.consents.all(), mine.consents.all(), strict=True):
        assert rows(ours.parties) == rows(theirs.parties)
    assert [o.name for o in mine.consents.all()[1].parties.all()] == ["GGD Test", "School A"]


def test_relations_answer_without_queries_and_narrower_reads_still_query(
    full_case: Case,
) -> None:
    case = case_with_policy_data(full_case.pk)
    assert case is not None
    with CaptureQueriesContext(connection) as captured:
        participants = list(case.participants.all())
        parties = [list(c.parties.all()) for c in case.consents.all()]
        grounds = [g.organisation.name for g in case.legal_grounds.all()]
        deciders = [(j.organisation.name, j.decided_by.username) for j in case.justifications.all()]
        assert all(p.case is case for p in participants)
        assert case.pupil is not None and case.owner.name == "School A"
    assert len(captured) == 0
    assert parties and grounds == ["GGD Test"] and deciders == [("GGD Test", "ib-a")]
    # A filtered read is a real query on this case only, as with a prefetch.
    active = case.participants.filter(ended_at__isnull=True)
    assert sorted(p.pk for p in active) == sorted(p.pk for p in participants if p.ended_at is None)


def test_a_case_without_pupil_or_case_director_and_a_missing_case(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    case = make_case(membership(coordinator_a))
    mine = case_with_policy_data(case.pk)
    assert mine is not None
    assert mine.pupil is None and mine.case_director is None
    assert mine.process_director == coordinator_a
    assert mine.pupil_restricted is False  # type: ignore[attr-defined]
    assert case_with_policy_data(case.pk + 1000) is None


def test_the_policy_decides_the_same_on_both(
    full_case: Case, coordinator_a: Any, fg_actor: Actor
) -> None:
    member = membership(coordinator_a)
    open_orm = with_policy_data(Case.objects.filter(pk=full_case.pk)).get()
    open_mine = case_with_policy_data(full_case.pk)
    restrict("restriction", full_case.pupil, fg_actor)
    orm = with_policy_data(Case.objects.filter(pk=full_case.pk)).get()
    mine = case_with_policy_data(full_case.pk)
    for a, b in ((orm, mine), (open_orm, open_mine)):
        first, second = decide_case(coordinator_a, member, a), decide_case(coordinator_a, member, b)
        assert (first.allowed, first.denied_reason, first.categories) == (
            second.allowed,
            second.denied_reason,
            second.categories,
        )
    assert decide_case(coordinator_a, member, open_mine).allowed
    assert not decide_case(coordinator_a, member, mine).allowed  # AVG art. 18


def test_the_case_pages_own_rows_match_the_orm(full_case: Case, coordinator_a: Any) -> None:
    from passend.access.selectors import CaseRow

    member = membership(coordinator_a)
    case = case_with_policy_data(full_case.pk)
    assert case is not None
    row = CaseRow(case, decide_case(coordinator_a, member, case))
    detail = case_detail(row)
    assert [values(h) for h in detail.hearings] == [
        values(h) for h in Hearing.objects.filter(case=full_case)
    ]
    orm_entries = [
        e for e in full_case.entries.select_related("supplied_by") if row.access.can_see_entry(e)
    ]
    assert [values(e) for e in visible_entries(row)] == [values(e) for e in orm_entries]
    assert [e.supplied_by.name for e in visible_entries(row)] == [
        e.supplied_by.name for e in orm_entries
    ]
    for consent in case.consents.all():
        orm_consent = full_case.consents.get(pk=consent.pk)
        assert rows(consent.given_by_guardians) == rows(orm_consent.given_by_guardians)
    assert [g.first_name for g in case.consents.all()[1].given_by_guardians.all()] == [
        "Moeder",
        "Vader",
    ]
    assert any("Fase van" in str(event.text) for event in detail.timeline)


def loaded(instance: Any) -> tuple[dict[str, Any], list[str]]:
    """The columns loaded, with their types, and the ones deferred (``.only()``); reading a
    deferred one would load it, so they are left alone."""
    deferred = instance.get_deferred_fields()
    return {
        f.attname: (type(getattr(instance, f.attname)), getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.attname not in deferred
    }, sorted(deferred)


@pytest.mark.parametrize("directors", [True, False])
def test_a_list_pages_cases_are_loaded_as_row_cases_loads_them(
    full_case: Case, region: dict[str, Any], coordinator_a: Any, fg_actor: Actor, directors: bool
) -> None:
    """``cases_for_rows`` reads a page's cases by a statement (``_cases_by_id``): the same
    columns loaded and deferred (no password hash of a director), the same joined rows and
    restriction as ``row_cases`` (AVG art. 18), with or without the directors' names (issue
    10, session 41: only the case list and its API show them)."""
    anonymous = make_case(membership(coordinator_a))
    restricted = make_case(membership(coordinator_a), pupil=make_pupil(region["school_a"]))
    restrict("restriction", restricted.pupil, fg_actor)
    ids = [full_case.pk, anonymous.pk, restricted.pk]
    orm = {c.pk: c for c in row_cases(Case.objects.filter(pk__in=ids), directors=directors)}
    mine = {c.pk: c for c in _cases_by_id(ids, directors=directors)}
    assert sorted(mine) == sorted(orm) == sorted(ids)
    relations = ("pupil", "owner", "process_director", "case_director")
    for pk in ids:
        assert loaded(mine[pk]) == loaded(orm[pk])
        assert mine[pk].pupil_restricted == orm[pk].pupil_restricted  # type: ignore[attr-defined]
        for relation in relations if directors else relations[:2]:
            ours, theirs = getattr(mine[pk], relation), getattr(orm[pk], relation)
            assert (ours is None) == (theirs is None), relation
            if ours is not None:
                assert loaded(ours) == loaded(theirs), relation
        if not directors:
            joined = set(mine[pk]._state.fields_cache)
            assert joined == set(orm[pk]._state.fields_cache) == {"pupil", "owner"}
    assert mine[restricted.pk].pupil_restricted is True  # type: ignore[attr-defined]
    assert mine[anonymous.pk].pupil is None
    if not directors:
        return
    assert "password" in mine[full_case.pk].case_director.get_deferred_fields()  # type: ignore[union-attr]
