"""The light policy input of list pages (``with_row_policy_data``, issue 10) decides exactly as the
full one (``with_policy_data``): same allowed/denied, categories, grants with their sources,
legal-ground summary and explanation, for every kind of participant and ground (ORG-04,
CON-01..05, CO-02, ABS-05, AVG art. 18). And it costs a fixed number of queries: nothing the
policy or a list row reads is loaded lazily afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.connection import BaseConnectionHandler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passend.access import selectors as access_selectors
from passend.access.policy import CaseAccess, decide_case, phase_policies
from passend.access.selectors import (
    CaseRow,
    _case_for_view,
    attach_row_policy_data,
    cases_for_rows,
    involved_cases,
    with_policy_data,
    with_row_policy_data,
)
from passend.accounts.models import Membership, Role
from passend.cases.models import Case, CaseKind, Participant, Phase
from passend.cases.selectors import list_items
from passend.cases.serializers import case_summary
from passend.consent.models import Consent, Justification, LegalBasis, LegalGround
from passend.privacy.categories import ALL_CATEGORIES
from tests.access.helpers import add_participant, give_consent, make_case, make_pupil, record_ground
from tests.conftest import make_professional
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _table(sql: str) -> str:
    return sql.split(" FROM ", 1)[1].split()[0].strip('"')


def membership(user: Any) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user)


def summary(access: CaseAccess) -> tuple[Any, ...]:
    return (
        access.allowed,
        access.denied_reason,
        access.categories,
        [(g.basis, g.categories, g.source) for g in access.grants],
        access.participant.pk if access.participant is not None else None,
        access.is_director,
        access.is_owner,
        access.organisation_id,
        access.can_manage,
        access.legal_ground_summary,
        access.explain() if access.allowed else [],
    )


def decisions(user: Any, cases: Any) -> tuple[dict[int, Any], dict[int, Any]]:
    """Per case: the decision with the full input, and with the list's light input (and the
    API case's: ``_case_for_view`` without grounds shown)."""
    member = membership(user)
    full = {c.pk: summary(decide_case(user, member, c)) for c in with_policy_data(cases)}
    light = {
        c.pk: summary(decide_case(user, member, c))
        for c in with_row_policy_data(cases, user, member)
    }
    # A list's key query hands over the viewer's participations (``newest_first``): read by id,
    # the same decisions.
    own = Participant.objects.filter(
        case__in=cases, user=user, organisation_id=member.organisation_id, ended_at__isnull=True
    )
    by_id = {
        c.pk: summary(decide_case(user, member, c))
        for c in with_row_policy_data(
            cases, user, member, participations=list(own.values_list("pk", flat=True))
        )
    }
    assert by_id == light
    for pk in list(light):
        case = _case_for_view(pk, member, shows_grounds=False)
        assert case is not None
        assert summary(decide_case(user, member, case)) == light[pk]
    return full, light


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> dict[str, Any]:
    ggd = OrganisationFactory(name="GGD Test", kind="ggd")
    nurse = make_professional(ggd, Role.GGD_PROFESSIONAL, username="jgz")
    colleague = make_professional(ggd, Role.GGD_PROFESSIONAL, username="jgz-2")
    officer = make_professional(
        region["municipality"], Role.ATTENDANCE_OFFICER, username="leerplicht"
    )
    return {
        **region,
        "ggd": ggd,
        "nurse": nurse,
        "colleague": colleague,
        "officer": officer,
        "owner": coordinator_a,
    }


@pytest.fixture(params=["planned per execution", "generic plans"])
def plans(request: pytest.FixtureRequest) -> Any:
    """PostgreSQL prepares the statements a connection repeats (settings.py, issue 10 session
    14) and may then run them with a generic plan, made without the parameters' values. With
    "generic plans" every statement of the test is prepared at its first run and planned
    generically: the policy's statements must give the same rows either way."""
    if request.param == "planned per execution":
        yield
        return
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    raw = connection.connection
    before = raw.prepare_threshold
    raw.prepare_threshold = 0
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
    try:
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE generic_plans > 0")
            assert cursor.fetchone()[0] > 0  # the statements really ran with generic plans
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET plan_cache_mode")
        raw.prepare_threshold = before


def test_same_decisions_for_owner_partner_colleague_and_attendance_officer(
    world: dict[str, Any], plans: None
) -> None:
    owner, nurse, colleague, officer = (
        world["owner"],
        world["nurse"],
        world["colleague"],
        world["officer"],
    )
    ggd, school_b = world["ggd"], world["school_b"]
    cases = []
    for i, kind in enumerate([CaseKind.SUPPORT, CaseKind.ATTENDANCE, CaseKind.HOME_STAY] * 3):
        pupil = make_pupil(world["school_a"])
        case = make_case(membership(owner), pupil=pupil, kind=kind, phase=Phase.PLAN)
        add_participant(case, membership(nurse), [Phase.INTAKE, Phase.PLAN, Phase.AFTERCARE][i % 3])
        add_participant(case, membership(officer), Phase.INTAKE)
        if i % 2:
            add_participant(case, membership(colleague), Phase.ASSESSMENT)
        cases.append(case)
    # Consents: for the GGD, for another party only, revoked, and two at once.
    give_consent(cases[0], [ggd], ["ordinary", "health"], owner)
    give_consent(cases[1], [school_b], ["ordinary", "behaviour"], owner)
    revoked = give_consent(cases[2], [ggd, school_b], ["ordinary"], owner)
    revoked.revoked_at = timezone.now()
    revoked.save()
    give_consent(cases[3], [ggd, school_b], ["family"], owner)
    give_consent(cases[3], [ggd], ["ordinary", "diagnostics"], owner)
    # Legal grounds: the GGD's, another organisation's, an ended one.
    record_ground(cases[4], ggd, LegalBasis.REPORTING_RIGHT, ["ordinary", "health"], owner)
    record_ground(cases[4], school_b, LegalBasis.REPORTING_RIGHT, ["behaviour"], owner)
    ended = record_ground(cases[5], ggd, LegalBasis.REPORTING_RIGHT, ["ordinary"], owner)
    ended.ended_at = timezone.now()
    ended.save()
    record_ground(
        cases[1], world["municipality"], LegalBasis.ABSENCE_REPORT, ["ordinary", "absence"], owner
    )
    # Compelling interest: active for the GGD, ended, and for another organisation.
    Justification.objects.create(
        case=cases[6], organisation=ggd, categories=["health"], reason="x" * 50, decided_by=owner
    )
    Justification.objects.create(
        case=cases[7],
        organisation=ggd,
        categories=["ordinary"],
        reason="x" * 50,
        decided_by=owner,
        ended_at=timezone.now(),
    )
    Justification.objects.create(
        case=cases[7],
        organisation=school_b,
        categories=["ordinary"],
        reason="x" * 50,
        decided_by=owner,
    )
    # An ended participation next to a new one; a case director; a restricted case (AVG art. 18).
    old = Participant.objects.get(case=cases[8], user=nurse)
    old.ended_at = timezone.now()
    old.save()
    add_participant(cases[8], membership(nurse), Phase.MONITORING)
    Case.objects.filter(pk=cases[5].pk).update(case_director=nurse)
    Case.objects.filter(pk=cases[6].pk).update(restricted_since=timezone.now())

    everything = Case.objects.order_by("pk")
    for user in (owner, nurse, colleague, officer):
        full, light = decisions(user, everything)
        assert light == full, user.username
    # The cases really differ, so the comparison covers grants, denials and categories.
    full, _light = decisions(nurse, everything)
    assert len({(v[0], v[2]) for v in full.values()}) >= 5


category_sets = st.frozensets(st.sampled_from(sorted(ALL_CATEGORIES)))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    consent_categories=category_sets,
    other_party=st.booleans(),
    revoked=st.booleans(),
    ground_categories=category_sets,
    ground_ended=st.booleans(),
    justification_categories=category_sets,
    joined_phase=st.sampled_from(sorted(set(Phase.values) - {Phase.CLOSED})),
    is_case_director=st.booleans(),
)
def test_property_light_input_decides_as_the_full_input(
    world: dict[str, Any],
    consent_categories: frozenset[str],
    other_party: bool,
    revoked: bool,
    ground_categories: frozenset[str],
    ground_ended: bool,
    justification_categories: frozenset[str],
    joined_phase: str,
    is_case_director: bool,
) -> None:
    owner, nurse, ggd = world["owner"], world["nurse"], world["ggd"]
    case = make_case(membership(owner), pupil=make_pupil(world["school_a"]))
    add_participant(case, membership(nurse), joined_phase)
    if consent_categories:
        parties = [ggd, world["school_b"]] if other_party else [ggd]
        consent = give_consent(case, parties, sorted(consent_categories), owner)
        if revoked:
            consent.revoked_at = timezone.now()
            consent.save()
    if ground_categories:
        ground = record_ground(
            case, ggd, LegalBasis.REPORTING_RIGHT, sorted(ground_categories), owner
        )
        if ground_ended:
            ground.ended_at = timezone.now()
            ground.save()
    if justification_categories:
        Justification.objects.create(
            case=case,
            organisation=ggd,
            categories=sorted(justification_categories),
            reason="x" * 50,
            decided_by=owner,
        )
    if is_case_director:
        Case.objects.filter(pk=case.pk).update(case_director=nurse)
    for user in (owner, nurse):
        full, light = decisions(user, Case.objects.filter(pk=case.pk))
        assert light == full


def test_participations_handed_over_still_have_to_be_the_viewers_own(
    world: dict[str, Any],
) -> None:
    """Read by id (``participations``), a participation counts only when it is the viewer's own
    and active: someone else's, or one that ended, gives no access (ORG-04)."""
    owner, nurse = world["owner"], world["nurse"]
    case = make_case(membership(owner), pupil=make_pupil(world["school_a"]))
    theirs = add_participant(case, membership(nurse), Phase.INTAKE)
    (decided,) = cases_for_rows([case.pk], nurse, membership(nurse), participations=[theirs.pk])
    assert decide_case(nurse, membership(nurse), decided).allowed
    mine = case.participants.get(user=owner)
    (decided,) = cases_for_rows([case.pk], nurse, membership(nurse), participations=[mine.pk])
    assert not decide_case(nurse, membership(nurse), decided).allowed
    Participant.objects.filter(pk=theirs.pk).update(ended_at=timezone.now())
    (decided,) = cases_for_rows([case.pk], nurse, membership(nurse), participations=[theirs.pk])
    assert not decide_case(nurse, membership(nurse), decided).allowed


@contextmanager
def connection_lookups() -> Iterator[list[str]]:
    """The aliases looked up in ``django.db.connections`` meanwhile: each read of an attribute
    of the ``connection`` proxy is one, from a context-local store."""
    seen: list[str] = []
    original = BaseConnectionHandler.__getitem__

    def counted(self: Any, alias: str) -> Any:
        seen.append(alias)
        return original(self, alias)

    with mock.patch.object(BaseConnectionHandler, "__getitem__", counted):
        yield seen


def test_fixed_query_count_and_nothing_loaded_lazily(world: dict[str, Any]) -> None:
    """A list page's cases (``cases_for_rows``, with the directors the case list and its API
    show) come in a fixed number of queries with all they show: deciding, the table rows and
    the API summaries need no further query (no deferred column, no relation outside the
    prefetch), in the order of the page's ids. Nor do their
    instances look up the connection each (issue 10, session 34): as many look-ups for 11
    cases as for 2."""
    owner, nurse, ggd = world["owner"], world["nurse"], world["ggd"]
    other_owner = make_professional(world["school_b"], Role.SUPPORT_COORDINATOR, username="ib-x")

    def make(n: int) -> None:
        for i in range(n):
            case = make_case(
                membership(owner if i % 2 else other_owner), pupil=make_pupil(world["school_a"])
            )
            add_participant(case, membership(nurse), Phase.INTAKE)
            give_consent(case, [ggd], ["ordinary"], owner)
            record_ground(case, ggd, LegalBasis.REPORTING_RIGHT, ["family"], owner)
            Case.objects.filter(pk=case.pk).update(case_director=owner)

    def run(user: Any) -> tuple[int, int]:
        member = membership(user)
        ids = list(involved_cases(user, member).values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as fetch, connection_lookups() as lookups:
            cases = cases_for_rows(ids, user, member, directors=True)
        # CO-02's phase limits come with the policy input, as one mapping for all the cases
        # (``decide_rows`` passes it on; session 39), the same as ``phase_policies()`` reads.
        policies = cases[0].policy_phase_categories
        assert all(c.policy_phase_categories is policies for c in cases)
        assert policies == phase_policies() and policies
        with CaptureQueriesContext(connection) as after:
            rows = [
                CaseRow(c, decide_case(user, member, c, phase_categories=policies)) for c in cases
            ]
            list_items(rows)
            [case_summary(row) for row in rows]
        assert after.captured_queries == []
        assert [c.pk for c in cases] == ids
        assert rows and all(row.access.allowed for row in rows)
        return len(fetch.captured_queries), len(lookups)

    make(2)
    for user in (owner, nurse):
        run(user)  # the statements are written on first use, once per process
    few = {user.pk: run(user) for user in (owner, nurse)}
    make(9)
    many = {user.pk: run(user) for user in (owner, nurse)}
    # Two statements (issue 10, session 12): the cases with pupil, owner and directors joined,
    # and the viewer's participation, consents, grounds and justifications in one.
    assert {pk: queries for pk, (queries, _lookups) in many.items()} == {owner.pk: 2, nurse.pk: 2}
    assert many == few


def test_policy_input_rows_are_the_viewers_own_typed_and_newest_first(
    world: dict[str, Any],
) -> None:
    """``attach_row_policy_data`` reads its rows without the ORM: they must still be the
    viewer's organisation's only, converted as the ORM would (dates, moments, JSON categories)
    and in the relations' own order (CON-01..05), and a case loaded twice (two agenda items)
    gets them on both copies."""
    owner, nurse, ggd, school_b = world["owner"], world["nurse"], world["ggd"], world["school_b"]
    case = make_case(membership(owner), pupil=make_pupil(world["school_a"]))
    add_participant(case, membership(nurse), Phase.ASSESSMENT)
    older = give_consent(case, [ggd], ["ordinary"], owner)
    newer = give_consent(case, [ggd, school_b], ["ordinary", "health"], owner)
    Consent.objects.filter(pk=older.pk).update(given_on=newer.given_on - dt.timedelta(days=3))
    give_consent(case, [school_b], ["family"], owner)  # another organisation's only
    first = record_ground(case, ggd, LegalBasis.REPORTING_RIGHT, ["family"], owner)
    second = record_ground(case, ggd, LegalBasis.REPORTING_RIGHT, ["health"], owner)
    record_ground(case, school_b, LegalBasis.REPORTING_RIGHT, ["behaviour"], owner)
    decision = Justification.objects.create(
        case=case, organisation=ggd, categories=["diagnostics"], reason="x" * 50, decided_by=owner
    )
    one, two = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    acting = membership(nurse)
    with CaptureQueriesContext(connection) as queries:
        attach_row_policy_data([one, two], nurse, acting)
    assert len(queries.captured_queries) == 1
    for copy in (one, two):
        (participant,) = copy.policy_participants
        assert (participant.user_id, participant.organisation_id) == (nurse.pk, ggd.pk)
        assert participant.joined_phase == Phase.ASSESSMENT
        assert [c.pk for c in copy.policy_consents] == [newer.pk, older.pk]
        assert copy.policy_consents[0].categories == ["ordinary", "health"]
        assert isinstance(copy.policy_consents[1].given_on, dt.date)
        assert [p.pk for p in copy.policy_consents[0].policy_parties] == [ggd.pk]
        assert [g.pk for g in copy.policy_legal_grounds] == [second.pk, first.pk]
        recorded = copy.policy_legal_grounds[0].recorded_at
        assert recorded == LegalGround.objects.get(pk=second.pk).recorded_at
        assert recorded.tzinfo is not None
        (justification,) = copy.policy_justifications
        assert (justification.pk, justification.categories) == (decision.pk, ["diagnostics"])
    # Nothing for a viewer without a membership: the policy denies before it looks.
    attach_row_policy_data([one], nurse, None)
    assert one.policy_participants == one.policy_consents == []


def test_involved_cases_query_is_built_once_and_never_shares_rows(world: dict[str, Any]) -> None:
    """``involved_cases`` builds its query once per person, organisation and role (issue 10: the
    start page asks seven times) and hands out copies: rows read through one copy are never
    served by the next, so a participation added in between is seen (ORG-04), and an ended
    one is not."""
    owner, nurse = world["owner"], world["nurse"]
    member = membership(nurse)
    first = involved_cases(nurse, member)
    assert list(first) == []
    case = make_case(membership(owner), pupil=make_pupil(world["school_a"]))
    participation = add_participant(case, member, Phase.INTAKE)
    second = involved_cases(nurse, member)
    assert second is not first
    assert list(second) == [case]
    assert list(first) == []  # a copy keeps its own rows
    Participant.objects.filter(pk=participation.pk).update(ended_at=timezone.now())
    assert list(involved_cases(nurse, member)) == []
    # The same query, not rebuilt: equal SQL, and the builder answered from its cache.
    hits = access_selectors._involved_cases.cache_info().hits
    assert str(involved_cases(nurse, member).query) == str(second.query)
    assert access_selectors._involved_cases.cache_info().hits == hits + 1
    # Another role of the same person and organisation is another query (ABS-05).
    member.role = Role.ATTENDANCE_OFFICER
    assert str(involved_cases(nurse, member).query) != str(second.query)


def test_co02_a_case_page_reads_the_phases_with_its_case(world: dict[str, Any]) -> None:
    """The case page's decision takes the phases' categories from the case's own statement
    (``_case_alone``; issue 10, session 39): the same as ``phase_policies()``, a change read at
    once, no table an empty mapping, and no statement of their own on the page of a partner
    whose view they limit (CO-02)."""
    from passend.cases.models import PhaseDataPolicy
    from tests.conftest import verified_client

    owner, nurse = world["owner"], world["nurse"]
    case = make_case(membership(owner), pupil=make_pupil(world["school_a"]))
    add_participant(case, membership(nurse), Phase.INTAKE)
    found = access_selectors.case_with_policy_data(case.pk)
    assert found is not None and found.policy_phase_categories == phase_policies()
    policy = PhaseDataPolicy.objects.get(phase=Phase.INTAKE)
    policy.categories = ["ordinary", "health"]
    policy.save()
    found = access_selectors.case_with_policy_data(case.pk)
    assert found is not None
    assert found.policy_phase_categories[Phase.INTAKE] == frozenset({"ordinary", "health"})
    assert found.policy_phase_categories == phase_policies()
    client = verified_client(nurse)
    assert client.get(f"/trajecten/{case.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as page:
        assert client.get(f"/trajecten/{case.pk}/").status_code == 200
    own = 'SELECT "cases_phasedatapolicy"'
    assert not [q for q in page.captured_queries if q["sql"].startswith(own)]
    PhaseDataPolicy.objects.all().delete()
    found = access_selectors.case_with_policy_data(case.pk)
    assert found is not None and found.policy_phase_categories == {} == phase_policies()


def test_involved_among_is_involved_cases_among_the_ids(world: dict[str, Any], plans: Any) -> None:
    """``involved_among`` (the work lists' and the start page's check of the cases they found)
    answers exactly as ``involved_cases`` for those ids, on every condition of the policy's
    pre-filter (ORG-04: an active participation of this person for this organisation;
    a restricted case only for its process director; AVG art. 18: no processing restriction;
    ABS-05: an attendance officer's kinds), also with generic plans. Issue 10 (session 41):
    the participation is checked by a correlated EXISTS here, not by the join."""
    from passend.access.actor import Actor
    from tests.privacy.helpers import restrict

    owner, nurse, colleague, officer = (
        world[name] for name in ("owner", "nurse", "colleague", "officer")
    )
    fg = make_professional(world["swv"], Role.PRIVACY_OFFICER, username="fg-among")

    def case(kind: str = CaseKind.SUPPORT) -> Case:
        return make_case(membership(owner), pupil=make_pupil(world["school_a"]), kind=kind)

    plain, ended, colleagues, restricted, directed, objected, attendance, other = (
        case(),
        case(),
        case(),
        case(),
        case(),
        case(),
        case(CaseKind.ATTENDANCE),
        case(),
    )
    for each in (plain, restricted, directed, objected, attendance):
        add_participant(each, membership(nurse), Phase.INTAKE)
        add_participant(each, membership(officer), Phase.INTAKE)
    ended_participation = add_participant(ended, membership(nurse), Phase.INTAKE)
    Participant.objects.filter(pk=ended_participation.pk).update(ended_at=timezone.now())
    add_participant(colleagues, membership(colleague), Phase.INTAKE)
    Case.objects.filter(pk__in=[restricted.pk, directed.pk]).update(restricted_since=timezone.now())
    Case.objects.filter(pk=directed.pk).update(process_director=nurse)
    restrict("restriction", objected.pupil, Actor.for_membership(membership(fg)))
    ids = [c.pk for c in (plain, ended, colleagues, restricted, directed, objected, attendance)]
    ids.append(other.pk)
    for user in (nurse, officer, colleague, owner):
        member = membership(user)
        expected = set(involved_cases(user, member).values_list("pk", flat=True)) & set(ids)
        assert access_selectors.involved_among(user, member, ids) == expected, user
        narrowed = access_selectors.involved_among(user, member, ids, kind=CaseKind.SUPPORT)
        assert narrowed == {
            pk for pk in expected if Case.objects.get(pk=pk).kind == CaseKind.SUPPORT
        }
    assert access_selectors.involved_among(nurse, membership(nurse), ids) == {
        plain.pk,
        directed.pk,
        attendance.pk,
    }
    assert access_selectors.involved_among(officer, membership(officer), ids) == {attendance.pk}
