# ruff: noqa: F811  (the fixture ``tlv_world`` is imported from test_dashboard)
"""The start page shows a bounded amount of work and decides and logs exactly what it shows
(issue 10, NEN 7513): the 20 most urgent terms (counted in full), the first actions, the first
files waiting; a case beyond what is shown is neither shown nor logged, but counted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.accounts.models import Role
from passend.privacy.models import AccessLogEntry
from passend.reports.dashboard import SHOWN, TERMS_SHOWN
from passend.terms.models import Term
from passend.tlv.models import TlvApplication
from tests import conftest as tests_conftest
from tests.access.helpers import make_pupil
from tests.conftest import verified_client
from tests.reports.test_dashboard import _action_case, tlv_world  # noqa: F401
from tests.tlv.conftest import World, submitted

pytestmark = pytest.mark.django_db


def _open_terms(applications: list[TlvApplication]) -> Any:
    return Term.objects.filter(
        object_type="tlv.tlvapplication",
        object_id__in=[str(a.pk) for a in applications],
        completed_on__isnull=True,
    )


def _many(world: World, region: Any, n: int) -> list[TlvApplication]:
    return [
        submitted(
            dataclasses.replace(
                world, pupil=make_pupil(region["school_a"], first_name=f"Leerling{i:02d}")
            )
        )
        for i in range(n)
    ]


def _listed_cases(user: Any, since: int) -> set[int]:
    return {
        int(pk)
        for pk in AccessLogEntry.objects.filter(
            actor=user, id__gt=since, activity="case_management", action="list"
        ).values_list("object_id", flat=True)
    }


def _last_log_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _terms_table(html: str) -> str:
    return html.split('id="terms-heading"', 1)[1].split("</table>", 1)[0]


def test_terms_table_shows_the_20_most_urgent_and_counts_all(tlv_world: World, region: Any) -> None:
    applications = _many(tlv_world, region, 12)
    today = timezone.localdate()
    terms = list(_open_terms(applications).order_by("id"))
    assert len(terms) > TERMS_SHOWN  # the fixture: more open terms than the table shows
    # The last application's terms are the least urgent: beyond the 20 shown.
    late = applications[-1]
    for i, term in enumerate(terms):
        far = 400 if term.object_id == str(late.pk) else 10 + i
        Term.objects.filter(pk=term.pk).update(due_date=today + dt.timedelta(days=far))
    # Two overdue terms: counted in the heading and listed first.
    overdue = [t for t in terms if t.object_id != str(late.pk)][:2]
    Term.objects.filter(pk__in=[t.pk for t in overdue]).update(
        due_date=today - dt.timedelta(days=3), suspended_since=None
    )
    since = _last_log_id()
    response = verified_client(tlv_world.coordinator).get("/")
    html = response.content.decode()
    table = _terms_table(html)
    assert table.count('<tr class="utrecht-table__row"><td') == TERMS_SHOWN
    assert table.count("termijn verstreken") == 2
    assert "(2 verstreken)" in html
    assert f"De {TERMS_SHOWN} meest dringende van {len(terms)} open termijnen." in html
    assert 'href="/tlv/">Alle termijnen</a>' in html
    # The application beyond the 20: neither shown nor logged, but counted (above).
    assert f"/tlv/{late.case_id}/" not in html
    assert "Leerling11" not in html
    logged = _listed_cases(tlv_world.coordinator, since)
    assert late.case_id not in logged
    # Exactly the cases linked on the page are logged, each once.
    linked = {int(pk) for pk in re.findall(r'href="[^"]*/(?:tlv|trajecten)/(\d+)/', html)}
    assert logged == linked
    entries = AccessLogEntry.objects.filter(
        actor=tlv_world.coordinator, id__gt=since, activity="case_management"
    )
    assert entries.count() == len(logged)


def test_no_link_to_all_terms_when_everything_is_shown(tlv_world: World) -> None:
    submitted(tlv_world)
    html = verified_client(tlv_world.coordinator).get("/").content.decode()
    assert "Alle termijnen" not in html
    assert "meest dringende" not in html


def test_actions_only_the_shown_cases_are_decided_and_logged(tlv_world: World, region: Any) -> None:
    cases = []
    for i in range(SHOWN + 3):
        pupil = make_pupil(region["school_a"], first_name=f"Actie{i:02d}")
        case = _action_case(tlv_world.coordinator, pupil, f"Stap {i:02d}")
        cases.append(case)
    client = verified_client(tlv_world.coordinator)
    client.get("/")
    since = _last_log_id()
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    shown = re.findall(r"Stap (\d\d)", html)
    assert len(shown) == SHOWN
    logged = _listed_cases(tlv_world.coordinator, since)
    assert logged == {cases[int(i)].pk for i in shown}
    # One policy load for the page: the participation of the shown cases is read once.
    policy_loads = [q for q in queries.captured_queries if 'FROM "cases_participant"' in q["sql"]]
    assert len(policy_loads) <= 3


def test_query_count_does_not_grow_beyond_what_is_shown(tlv_world: World, region: Any) -> None:
    _many(tlv_world, region, 2)
    client = verified_client(tlv_world.secretary)
    client.get("/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    small = count()
    _many(tlv_world, region, 10)
    assert count() == small


def test_cva_queue_rows_beyond_the_shown_are_counted_not_logged(
    tlv_world: World, region: Any
) -> None:
    applications = _many(tlv_world, region, TERMS_SHOWN + 1)
    # The newest application: beyond the first waiting files and its terms the least urgent.
    last = applications[-1]
    _open_terms([last]).update(due_date=timezone.localdate() + dt.timedelta(days=400))
    since = _last_log_id()
    html = verified_client(tlv_world.secretary).get("/").content.decode()
    waiting = html.split("TLV-aanvragen te verdelen of te beoordelen", 1)[1].split("</li>\n", 1)[0]
    assert f'class="passend-dashboard__count">{len(applications)}<' in waiting
    logged = {
        int(pk)
        for pk in AccessLogEntry.objects.filter(
            actor=tlv_world.secretary, id__gt=since, object_type="tlv.tlvapplication"
        ).values_list("object_id", flat=True)
    }
    shown = {a.pk for a in applications if f"/tlv/{a.case_id}/" in html}
    assert logged == shown
    assert last.pk not in shown and last.pk not in logged
    assert len(shown) < len(applications)
    # Never the name of a pupil the secretary is not involved with.
    assert "Leerling" not in html


def test_the_start_pages_queries_are_compiled_once_not_per_request(
    tlv_world: World, region: Any, count_builds: Any
) -> None:
    """Issue 10 (session 30): the coordinator's start page reads its sections by queries that
    Django compiles once per process and shape (``passend.prepared``); building and compiling
    them on each request was a third of the page's Python time. Each builder runs twice (its
    check with two sets of markers) for the first page, and never again, whoever asks."""
    from passend.access import policy as access_policy
    from passend.access import selectors as access_selectors
    from passend.arrangements import selectors as arrangement_selectors
    from passend.attendance import selectors as attendance_selectors
    from passend.consultations import selectors as consultation_selectors
    from passend.tlv import models as tlv_models
    from passend.tlv import selectors as tlv_selectors

    prepared = {
        "involved among": access_selectors._INVOLVED_AMONG,
        "first actions": consultation_selectors._FIRST_ACTIONS,
        "next meetings": consultation_selectors._NEXT_MEETINGS,
        "expiring TLVs": tlv_selectors._EXPIRING_INVOLVED,
        "meldplichtig counts": attendance_selectors._SUMMARY,
        "open terms": tlv_selectors._DASHBOARD_TERMS,
        "applications": tlv_selectors._DASHBOARD_APPLICATIONS,
        "arrangements waiting": arrangement_selectors._WAITING_COUNT,
        "phase policies": access_policy._PHASE_POLICIES,
        "TLV settings": tlv_models._CURRENT_SETTINGS,
        "participations": access_selectors._TLV_OPEN_PARTICIPATION_CASE_IDS,
    }
    built = count_builds(prepared)
    _many(tlv_world, region, 2)  # open terms, so the TLV section checks involvement
    other = tests_conftest.make_professional(
        region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-tweede"
    )
    pages = []
    for user in (tlv_world.coordinator, other, tlv_world.coordinator):
        response = verified_client(user).get("/")
        assert response.status_code == 200
        pages.append(response.content.decode())
    assert built == dict.fromkeys(prepared, 2)
    assert "Leerling00" in pages[0] and "Leerling00" not in pages[1]


def test_the_start_page_compiles_no_queryset(
    tlv_world: World, region: Any, orm_compilations: list[str]
) -> None:
    """Issue 10 (session 31): once its prepared queries are compiled, the start pages of the
    coordinator and of the CvA secretary (whose TLV work includes the CvA's queue) compile no
    queryset: the candidates of the TLV work (the participations, the queue) came from the
    ORM's compiler on every request."""
    _many(tlv_world, region, 2)  # in the coordinator's work and in the CvA's queue
    for user in (tlv_world.coordinator, tlv_world.secretary):
        client = verified_client(user)
        client.get("/")
        orm_compilations.clear()
        html = client.get("/").content.decode()
        assert 'id="terms-heading"' in html and "tlv/" in _terms_table(html)
        assert orm_compilations == [], user


def test_the_start_page_leaves_what_it_read_to_reference_counting(
    tlv_world: World, region: Any
) -> None:
    """Issue 10: the start page's work (its rows, cases and terms) is freed when the page is
    done, not kept in a reference cycle until the garbage collector looks for one: at large
    scale such a cycle made 800 objects of garbage per request, and the collections that
    found them took 1 ms of each request's CPU."""
    import gc

    from django.test import RequestFactory

    from passend.accounts.models import Membership
    from passend.cases.models import Case
    from passend.reports import dashboard as start_page

    _many(tlv_world, region, 3)
    request = RequestFactory().get("/")
    request.user = tlv_world.coordinator
    request.membership = Membership.objects.get(user=tlv_world.coordinator)  # type: ignore[attr-defined]
    board = start_page.dashboard(request)
    assert len(board.terms) >= 3  # not vacuous: the page shows terms of decided cases
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        board = start_page.dashboard(request)
        assert len(board.terms) >= 3
        del board
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if isinstance(o, (Case, start_page._Work))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []


def test_the_start_page_reads_its_cases_without_directors_and_its_terms_as_values(
    tlv_world: World, region: Any
) -> None:
    """Issue 10 (session 41): the start page shows a case by its label only and the policy
    reads the directors' ids, not their rows: its cases come without the process and case
    directors' names (``access.cases_for_rows``), two joined rows fewer per case. Its TLV
    terms are read as plain values (``tlv.selectors.OpenTerm``), not as terms with their
    rules joined."""
    from django.db.models.signals import post_init

    from passend.accounts.models import User
    from passend.terms.models import TermRule

    applications = _many(tlv_world, region, 3)
    made: list[type] = []

    def count(sender: type, **kwargs: Any) -> None:
        made.append(sender)

    client = verified_client(tlv_world.coordinator)
    client.get("/")
    post_init.connect(count)
    try:
        html = client.get("/").content.decode()
    finally:
        post_init.disconnect(count)
    table = _terms_table(html)
    assert all(a.case.pupil.full_name in table for a in applications)  # decided, shown by name
    assert made.count(User) == 1  # the signed-in coordinator only
    for term in _open_terms(applications).select_related("rule"):
        assert term.rule.name in table
    assert Term not in made and TermRule not in made
