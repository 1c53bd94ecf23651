"""The start page's TLV applications (``dashboard_applications``, ``dashboard_work``): only
those of the acting user's work, whatever ids the caller passes (issue 10 moved the check out
of the filter)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.accounts.models import Membership, OrganisationKind, Role
from passend.cases.models import Case, Participant
from passend.terms.models import Term
from passend.tlv import selectors, services
from passend.tlv.models import TlvApplication
from tests.conftest import make_professional
from tests.factories import OrganisationFactory
from tests.tlv.conftest import World, advised, prepared, submitted

pytestmark = pytest.mark.django_db


def _request(user: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    request.membership = Membership.objects.get(user=user)
    request.trace_id = "t"
    return request


def _stranger() -> Any:
    """A coordinator of a school outside the world's cases."""
    elsewhere = OrganisationFactory(name="School Elders", kind=OrganisationKind.SCHOOL)
    return make_professional(elsewhere, Role.SUPPORT_COORDINATOR, username="ib-elders")


def _work(user: Any, today: dt.date, *, terms_shown: int = 20, waiting_shown: int = 10) -> Any:
    """``dashboard_work`` of ``user``, waiting: drafts and submitted applications."""
    return selectors.dashboard_work(
        _request(user),
        today,
        terms_shown=terms_shown,
        waiting_statuses={TlvApplication.Status.DRAFT, TlvApplication.Status.SUBMITTED},
        waiting_shown=waiting_shown,
    )


def test_con04_dashboard_applications_only_of_the_users_work(world: World) -> None:
    draft = prepared(world)
    queued = submitted(world)
    ids = [draft.pk, queued.pk]
    # The requesting coordinator takes part in both cases; never in a queue.
    mine = selectors.dashboard_applications(_request(world.coordinator), ids)
    assert set(mine) == {draft.pk, queued.pk}
    assert all(app.is_involved and not app.in_queue for app in mine.values())
    # A coordinator of a school outside these cases: neither involved nor a queue of theirs.
    assert selectors.dashboard_applications(_request(_stranger()), ids) == {}
    # The CvA secretary: the submitted application is in the CvA's queue (CON-04, by
    # pseudonym), the draft is not the CvA's at all.
    cva = selectors.dashboard_applications(_request(world.secretary), ids)
    assert set(cva) == {queued.pk}
    assert cva[queued.pk].in_queue


def _open_terms_of(applications: list[Any]) -> Any:
    return Term.objects.filter(
        object_type="tlv.tlvapplication",
        object_id__in=[str(a.pk) for a in applications],
        completed_on__isnull=True,
    )


def test_dashboard_work_counts_and_orders_the_users_terms_and_waiting_applications(
    world: World,
) -> None:
    """Issue 10: the start page's open terms and waiting applications, both over the user's
    scope (CON-04), from one statement that reads the scope once."""
    today = timezone.localdate()
    draft = prepared(world)
    first, second = submitted(world), submitted(world)
    terms = list(_open_terms_of([first, second]).order_by("id"))
    assert len(terms) >= 2
    # One overdue, one overdue but suspended (not counted as overdue, TLV-06), the rest later.
    Term.objects.filter(pk=terms[0].pk).update(due_date=today - dt.timedelta(days=2))
    Term.objects.filter(pk=terms[1].pk).update(
        due_date=today - dt.timedelta(days=5), suspended_since=today - dt.timedelta(days=6)
    )
    with CaptureQueriesContext(connection) as queries:
        work = _work(world.coordinator, today, terms_shown=1, waiting_shown=2)
    assert work.term_count == len(terms)
    assert work.overdue_count == 1
    assert [t.pk for t in work.terms] == [terms[0].pk]  # overdue first, only `terms_shown`
    assert work.waiting_ids == [draft.pk, first.pk]  # oldest first, only `waiting_shown`
    assert work.waiting_count == 3
    # The scope (the user's participations) is read once, for the terms and the waiting list;
    # then the policy's pre-filter checks the cases found, and only those (session 23).
    reads = [q["sql"] for q in queries.captured_queries if '"cases_participant"' in q["sql"]]
    assert len(reads) == 2
    (scope,) = [sql for sql in reads if sql.startswith("WITH scope")]
    # The terms are looked up by the object id as stored (text), so that an application's
    # open terms come from their index (``term_open_object``), one probe each (session 42).
    assert '"object_id" = CAST(s.id AS text)' in scope
    assert work.involved == {draft.case_id, first.case_id, second.case_id}
    # A coordinator of another school: nothing of these cases, not even counted.
    none = _work(_stranger(), today)
    assert (none.terms, none.term_count, none.waiting_ids, none.waiting_count) == ([], 0, [], 0)
    # The CvA secretary: the submitted applications are the CvA's queue; the draft is not.
    cva = _work(world.secretary, today)
    assert cva.waiting_ids == [first.pk, second.pk]
    assert cva.term_count == len(terms)


def test_con04_dashboard_work_counts_only_what_the_policys_prefilter_leaves(world: World) -> None:
    """Issue 10, session 23: the start page finds its candidates from the user's participations
    alone; the policy's pre-filter (``access.involved_cases``) still decides what is counted
    and shown. A restricted case (ORG-04 restriction, the user not its process director) and
    an ended participation count for nothing, not even in the totals."""
    today = timezone.localdate()
    draft = prepared(world)
    first, second = submitted(world), submitted(world)
    first_terms = _open_terms_of([first]).count()
    assert first_terms >= 1
    before = _work(world.coordinator, today)
    assert before.waiting_ids == [draft.pk, first.pk, second.pk]
    Case.objects.filter(pk=first.case_id).update(
        restricted_since=timezone.now(), process_director=world.director
    )
    Participant.objects.filter(case_id=draft.case_id, user=world.coordinator).update(
        ended_at=timezone.now()
    )
    after = _work(world.coordinator, today)
    assert after.waiting_ids == [second.pk]
    assert after.waiting_count == 1
    assert after.term_count == before.term_count - first_terms
    assert first.pk not in {t.application_id for t in after.terms}
    assert after.involved == {second.case_id}
    # What the start page then shows of these ids: nothing of the restricted case.
    shown = selectors.dashboard_applications(
        _request(world.coordinator), [first.pk, second.pk], after.involved
    )
    assert set(shown) == {second.pk}


def test_con04_a_queues_dashboard_work_checks_the_involvement_too(world: World) -> None:
    """The CvA secretary: a queued application counts by the queue (CON-04, shown by
    pseudonym), one triaged to the secretary (in assessment, out of the queue) by their
    involvement, which the pre-filter checks as for anyone (ORG-04 restriction)."""
    today = timezone.localdate()
    queued = submitted(world)
    triaged = submitted(world)
    services.triage(world.actor(world.secretary), triaged, route="secretary")
    triaged_terms = _open_terms_of([triaged]).count()
    assert triaged_terms >= 1
    cva = _work(world.secretary, today)
    assert triaged.case_id in cva.involved
    assert queued.pk in cva.waiting_ids
    Case.objects.filter(pk=triaged.case_id).update(
        restricted_since=timezone.now(), process_director=world.director
    )
    cva_after = _work(world.secretary, today)
    assert triaged.case_id not in cva_after.involved
    assert cva_after.term_count == cva.term_count - triaged_terms
    assert queued.pk in cva_after.waiting_ids


def test_tlv_04_a_decision_takes_its_case_out_of_the_start_pages_tlv_work(world: World) -> None:
    """Issue 10, session 35: the decision (TLV-04) completes every term of the application and
    no status follows it, so it marks all the case's participations (``case_tlv_ended_at``),
    and the start page reads a person's participations of undecided applications only, from
    their own index. What it shows stays the same: the decided case had nothing open."""
    today = timezone.localdate()
    decided, waiting = advised(world), submitted(world)
    before = _work(world.coordinator, today)
    assert before.waiting_ids == [waiting.pk]
    assert before.involved == {decided.case_id, waiting.case_id}  # the advised one's terms
    ended = Participant.objects.filter(case_id=decided.case_id, user=world.coordinator)
    ended.update(ended_at=timezone.now())
    services.decide(world.actor(world.director), decided)
    # Every participation of the decided case, the ended one and the board's own added by
    # the decision included; the other case's untouched.
    marks = dict(Participant.objects.values_list("pk", "case_tlv_ended_at"))
    decided_ones = set(
        Participant.objects.filter(case_id=decided.case_id).values_list("pk", flat=True)
    )
    assert len(decided_ones) >= 3 and all(marks[pk] for pk in decided_ones)
    assert not any(mark for pk, mark in marks.items() if pk not in decided_ones)
    assert not _open_terms_of([decided]).exists()
    # A participation added after the decision copies it from the case's others.
    later = Participant.objects.create(
        case=decided.case,
        organisation=Membership.objects.get(user=world.coordinator).organisation,
        user=world.coordinator,
        role="Intern begeleider",
        joined_phase=decided.case.phase,
    )
    assert later.case_tlv_ended_at is not None
    after = _work(world.coordinator, today)
    assert after.waiting_ids == [waiting.pk]
    assert after.term_count == _open_terms_of([waiting]).count()
    assert after.involved == {waiting.case_id}
    # The mark is what bounds the read: a participation marked is not read at all (only a
    # decision marks one, and then nothing of its application waits).
    Participant.objects.filter(case_id=waiting.case_id).update(case_tlv_ended_at=timezone.now())
    unread = _work(world.coordinator, today)
    assert (unread.waiting_ids, unread.term_count, unread.involved) == ([], 0, frozenset())


def test_dashboard_work_refuses_decided_statuses_as_waiting(world: World) -> None:
    """It reads undecided applications only, so a decided status can never be its waiting
    list (a caller asking for one would silently get nothing)."""
    with pytest.raises(ValueError):
        selectors.dashboard_work(
            _request(world.coordinator),
            timezone.localdate(),
            terms_shown=20,
            waiting_statuses={TlvApplication.Status.DECIDED},
            waiting_shown=10,
        )


def test_the_start_pages_participations_are_read_from_their_partial_index(world: World) -> None:
    """Issue 10, session 35: the participations of undecided applications are read from the
    partial index ``participant_user_org_tlv_open``, also in a plan made without the values
    (a prepared statement's generic plan on PostgreSQL; SQLite plans every statement so): its
    condition is ``IS NULL``, which the query states in its text. With a flag, the query's
    ``= %s`` would be a parameter that no such plan can match to the index's condition."""
    from passend.access import selectors as access_selectors

    submitted(world)
    membership = Membership.objects.get(user=world.coordinator)
    found = access_selectors.participation_case_ids_sql(
        world.coordinator, membership, tlv_open_only=True
    )
    assert found is not None
    sql, params = found
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        else:
            generic = sql.replace("%s", "$1", 1).replace("%s", "$2", 1)
            assert "%s" not in generic
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned
            cursor.execute(f"PREPARE participations (bigint, bigint) AS {generic}")
            try:
                # A utility statement takes no bound parameters: the two ids, as numbers.
                values = ", ".join(str(int(value)) for value in params)
                cursor.execute(f"EXPLAIN EXECUTE participations ({values})")
                plan = " ".join(str(row) for row in cursor.fetchall())
            finally:
                cursor.execute("DEALLOCATE participations")
    assert "participant_user_org_tlv_open" in plan, plan
