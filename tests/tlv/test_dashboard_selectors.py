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
from tests.tlv.conftest import World, prepared, submitted

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
    assert sum(sql.startswith("WITH scope") for sql in reads) == 1
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
    assert first.pk not in {int(t.object_id) for t in after.terms}
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
