"""The TLV work list (/tlv/, issue 10): own involvement and the organisation's queue in one list,
the most urgent open term first (TLV-04), 50 per page with a keyset cursor; every row decided by
the policy (ORG-04) or shown as a pseudonym by the CvA's CON-04 ground, and exactly the rows
shown are logged (NEN 7513)."""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passend.cases.models import Case, Participant
from passend.privacy.models import AccessLogEntry
from passend.terms.models import Term, TermRule
from passend.tlv import selectors, services
from passend.tlv.models import TlvApplication
from tests.access.helpers import make_pupil
from tests.conftest import verified_client
from tests.tlv.conftest import World, advised, submitted

pytestmark = pytest.mark.django_db

BASE = dt.date(2030, 1, 1)


def _application(world: World, n: int, *, triaged: bool, due_in_days: int | None) -> Any:
    """A submitted application (the CvA's queue) or a triaged one (the secretary is involved);
    its open terms all fall due ``due_in_days`` after BASE, or are completed (None)."""
    world.pupil = make_pupil(world.region["school_a"], first_name=f"Leerling{n}", last_name="Werk")
    application = submitted(world)
    if triaged:
        services.triage(world.actor(world.secretary), application, route="secretary")
    terms = Term.objects.filter(object_type="tlv.tlvapplication", object_id=str(application.pk))
    if due_in_days is None:
        terms.update(completed_on=BASE)
    else:
        terms.filter(completed_on__isnull=True).update(
            due_date=BASE + dt.timedelta(days=due_in_days)
        )
    application.refresh_from_db()
    return application


def _row_ids(html: str) -> list[int]:
    """Case ids of the rows, in page order: the detail link of an involved row, the triage link
    (or the pseudonym cell) of a queue row."""
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in html else ""
    ids = []
    for row in body.split("<tr")[1:]:
        found = re.search(r"/tlv/(\d+)/", row)
        ids.append(int(found.group(1)) if found else -1)
    return ids


def _next_url(html: str) -> str:
    found = re.search(r'rel="next" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else ""


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(selectors, "OVERVIEW_PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "_KEY_BATCH", 2)  # also walks the second key batch
    return 2


def test_queue_and_involvement_in_one_list_most_urgent_first(world: World) -> None:
    queued = _application(world, 1, triaged=False, due_in_days=5)
    involved_late = _application(world, 2, triaged=True, due_in_days=9)
    involved_early = _application(world, 3, triaged=True, due_in_days=1)
    done = _application(world, 4, triaged=True, due_in_days=None)
    html = verified_client(world.secretary).get(reverse("tlv:overview")).content.decode()
    # Open terms by due date, then the files without an open term (newest first).
    assert _row_ids(html) == [
        involved_early.case_id,
        queued.case_id,
        involved_late.case_id,
        done.case_id,
    ]
    # Involved: the name (policy) and the detail link; queue: pseudonym and the triage link.
    assert "Leerling3 Werk" in html
    assert f"/tlv/{involved_early.case_id}/" in html
    assert "Leerling1" not in html and queued.case.pseudonym in html
    assert reverse("tlv:triage", args=[queued.case_id]) in html
    assert "passend-pager" not in html  # one page: no pager


def test_pages_follow_the_cursor_without_gaps_or_duplicates(world: World, small_pages: int) -> None:
    apps = [
        _application(world, 1, triaged=True, due_in_days=3),
        _application(world, 2, triaged=False, due_in_days=3),  # same day: id decides
        _application(world, 3, triaged=True, due_in_days=1),
        _application(world, 4, triaged=False, due_in_days=7),
        _application(world, 5, triaged=True, due_in_days=None),
        _application(world, 6, triaged=True, due_in_days=None),
    ]
    due = {a.case_id: a for a in apps}
    client = verified_client(world.secretary)
    url = reverse("tlv:overview")
    pages: list[list[int]] = []
    while url and len(pages) < 10:
        html = client.get(url).content.decode()
        pages.append(_row_ids(html))
        if len(pages) > 1:
            assert 'aria-label="Paginering"' in html and "Eerste pagina" in html
        next_url = _next_url(html)
        if next_url:
            assert 'aria-label="Paginering"' in html and "?na=" in next_url
        url = reverse("tlv:overview") + next_url if next_url else ""
    shown = [case_id for page in pages for case_id in page]
    assert all(len(page) <= small_pages for page in pages)
    assert len(shown) == len(set(shown)) == len(apps)

    def key(case_id: int) -> tuple[int, dt.date, int]:
        application = due[case_id]
        terms = Term.objects.filter(
            object_type="tlv.tlvapplication",
            object_id=str(application.pk),
            completed_on__isnull=True,
        )
        first = min((t.due_date for t in terms), default=None)
        return (0, first, application.pk) if first else (1, BASE, -application.pk)

    assert shown == sorted(shown, key=key)
    assert shown[0] == apps[2].case_id  # the most urgent term first


def _walk(client: Any, page_size: int) -> list[int]:
    """The case ids of every page of the list, in order; every page but the last is full (a
    row the policy would hide has taken no place on a page)."""
    url, pages = reverse("tlv:overview"), []
    for _page in range(10):
        html = client.get(url).content.decode()
        pages.append(_row_ids(html))
        next_url = _next_url(html)
        if not next_url:
            break
        url = reverse("tlv:overview") + next_url
    assert all(len(page) == page_size for page in pages[:-1])
    return [case_id for page in pages for case_id in page]


def test_org04_a_coordinators_list_past_the_first_keys_holds_only_their_involved_cases(
    world: World, small_pages: int
) -> None:
    """Issue 10, session 23: past the first batch of keys a role without a queue finds its
    applications from its participations; the policy's pre-filter still leaves out a restricted
    case (the coordinator not its process director) and an ended participation (ORG-04)."""
    ended = [_application(world, n, triaged=False, due_in_days=n) for n in (1, 2)]
    restricted = _application(world, 3, triaged=False, due_in_days=3)
    mine = [_application(world, n, triaged=False, due_in_days=n) for n in (4, 5, 6)]
    Case.objects.filter(pk=restricted.case_id).update(
        restricted_since=timezone.now(), process_director=world.director
    )
    Participant.objects.filter(
        case_id__in=[a.case_id for a in ended], user=world.coordinator
    ).update(ended_at=timezone.now())
    # The first batch of keys holds neither of the coordinator's: the second batch is read
    # from their participations, the restricted case among them.
    assert _walk(verified_client(world.coordinator), small_pages) == [a.case_id for a in mine]
    # A coordinator of the intended school takes part in all six: the restricted case stays
    # out for them too; the ended participations were only the first coordinator's.
    assert _walk(verified_client(world.vso_coordinator), small_pages) == [
        a.case_id for a in (*ended, *mine)
    ]


def test_con04_the_directors_queue_past_the_first_keys(world: World, small_pages: int) -> None:
    """Issue 10, session 23: the SWV director's queue (advised, awaiting the decision; CON-04)
    past the first batch of keys, where the list reads the queue beside the director's own
    participations: every application listed once, most urgent first."""
    apps = []
    for n in range(1, 6):
        world.pupil = make_pupil(
            world.region["school_a"], first_name=f"Leerling{n}", last_name="Werk"
        )
        application = advised(world)
        Term.objects.filter(
            object_type="tlv.tlvapplication", object_id=str(application.pk), completed_on=None
        ).update(due_date=BASE + dt.timedelta(days=n))
        apps.append(application)
    assert _walk(verified_client(world.director), small_pages) == [a.case_id for a in apps]


def test_a_broken_cursor_shows_the_first_page(world: World) -> None:
    first = _application(world, 1, triaged=True, due_in_days=1)
    client = verified_client(world.secretary)
    for token in ("%%%", "bm9wZQ", "MjAzMC0wMS0wMnwtNQ"):
        response = client.get(reverse("tlv:overview") + "?na=" + token)
        assert response.status_code == 200
        assert _row_ids(response.content.decode()) == [first.case_id]


def test_logs_exactly_the_rows_shown(world: World, small_pages: int) -> None:
    involved = _application(world, 1, triaged=True, due_in_days=1)
    queued = _application(world, 2, triaged=False, due_in_days=2)
    not_shown = _application(world, 3, triaged=True, due_in_days=3)
    client = verified_client(world.secretary)
    client.get(reverse("tlv:overview"))  # first request: session and login entries
    before = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    html = client.get(reverse("tlv:overview")).content.decode()
    assert _row_ids(html) == [involved.case_id, queued.case_id]
    entries = AccessLogEntry.objects.filter(pk__gt=before, action="list")
    assert sorted(entries.values_list("object_type", "object_id")) == sorted(
        [("cases.case", str(involved.case_id)), ("tlv.tlvapplication", str(queued.pk))]
    )
    assert not entries.filter(object_id__in=[str(not_shown.case_id), str(not_shown.pk)])
    case_entry = entries.get(object_type="cases.case")
    assert case_entry.data_categories  # the name was shown: category "ordinary" is logged
    queue_entry = entries.get(object_type="tlv.tlvapplication")
    assert queue_entry.activity == "tlv_procedure" and not queue_entry.data_categories


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_applications(world: World) -> None:
    # Both kinds of rows from the start: with an open term, and without (checked for
    # involvement once they are found, one query).
    for n in range(2):
        _application(world, n, triaged=n % 2 == 0, due_in_days=n if n == 0 else None)
    client = verified_client(world.secretary)
    client.get(reverse("tlv:overview"))  # warm-up: session and device lookups
    few = _queries(client, reverse("tlv:overview"))
    for n in range(2, 8):
        _application(world, n, triaged=n % 2 == 0, due_in_days=n if n < 6 else None)
    assert _queries(client, reverse("tlv:overview")) == few
    assert TlvApplication.objects.count() == 8


def test_query_count_of_a_full_page_is_constant(world: World, small_pages: int) -> None:
    for n in range(3):
        _application(world, n, triaged=n != 1, due_in_days=n)
    client = verified_client(world.secretary)
    client.get(reverse("tlv:overview"))
    full = _queries(client, reverse("tlv:overview"))
    # More applications behind the first page (later terms, and none), of both kinds: the page
    # shows the same kinds of rows, in the same number of queries.
    for n in range(3, 9):
        _application(world, n, triaged=n % 2 == 0, due_in_days=10 + n if n < 7 else None)
    assert _queries(client, reverse("tlv:overview")) == full


def test_the_director_decides_from_the_same_list(world: World) -> None:
    from tests.tlv.conftest import advised

    application = advised(world)
    html = verified_client(world.director).get(reverse("tlv:overview")).content.decode()
    assert reverse("tlv:decide", args=[application.case_id]) in html
    assert application.case.pseudonym in html and "Toelaatbaar" not in html


def test_the_school_still_sees_its_drafts(world: World) -> None:
    from tests.tlv.conftest import prepared

    draft = prepared(world)
    html = verified_client(world.coordinator).get(reverse("tlv:overview")).content.decode()
    assert _row_ids(html) == [draft.case_id]
    assert "Toelaatbaar" in html


def test_the_lists_queries_are_compiled_once_not_per_page(
    world: World, small_pages: int, count_builds: Any
) -> None:
    """Issue 10 (session 30): the work list's keys (first page and after a cursor) and its
    applications are read by queries compiled once per process and shape (``passend.prepared``),
    not built again for every page: each builder runs twice (its check with two sets of
    markers), however many pages and whoever walks them."""
    prepared = {
        "keys": selectors._OPEN_TERM_KEYS,
        "keys after a cursor": selectors._OPEN_TERM_KEYS_AFTER,
        "queue rows": selectors._QUEUE_WORK_ROWS,
    }
    built = count_builds(prepared)
    apps = [_application(world, n, triaged=n % 2 == 0, due_in_days=n) for n in range(1, 8)]
    secretary = verified_client(world.secretary)
    shown = _walk(secretary, small_pages)
    assert shown == [a.case_id for a in apps]
    first_walk = dict(built)
    assert all(first_walk.values())
    assert _walk(secretary, small_pages) == shown
    assert built == first_walk  # the same pages again: nothing built
    assert _walk(verified_client(world.chair), small_pages)  # the CvA's queue, another role
    # Two compilations per shape (a role, a batch's limit), never one per page.
    assert all(built[name] == 2 * len(query._plans) for name, query in prepared.items())
    assert built["keys"] == first_walk["keys"]


def test_a_page_of_the_list_compiles_no_queryset(
    world: World, small_pages: int, orm_compilations: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 (session 31): once its prepared queries are compiled, a page of the work list
    that its first batch of open terms fills (as the CvA secretary's pages) reads everything
    by queries compiled once per process: its keys, rows, cases with the policy input
    (``access.cases_for_rows``), terms and queue rows. The ORM compiled the last three for
    every page: a fifth of the CvA secretary's page."""
    monkeypatch.setattr(selectors, "_KEY_BATCH", 10)
    for n in range(1, 8):
        _application(world, n, triaged=n % 2 == 0, due_in_days=n)
    secretary = verified_client(world.secretary)
    first = _walk(secretary, small_pages)  # compiles the prepared queries
    orm_compilations.clear()
    html = secretary.get(reverse("tlv:overview")).content.decode()
    assert _row_ids(html) == first[:2]  # a queue row and an involved row
    assert re.search(r"/tlv/\d+/\"", html)
    assert orm_compilations == []
    second = secretary.get(reverse("tlv:overview") + _next_url(html)).content.decode()
    assert _row_ids(second) == first[2:4]
    assert orm_compilations == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner and statistics")
def test_sqlite_reads_the_open_terms_of_applications_by_their_own_index(world: World) -> None:
    """Issue 10 (session 33): a region's terms are mostly completed, on many dates, and a fifth
    are open. With an index led by ``completed_on``, SQLite's statistics (one average number
    of rows per value) took ``completed_on IS NULL`` for a few rows and read every open term
    of the region by it, for the work list's keys, its page's terms and the start page's TLV
    work. The open terms' index is partial: those statements use a module's open terms by due
    date or by object (``term_open_type_due_incl``, ``term_open_object``, session 42), the
    object's terms (``term_object``) or the terms' ids."""
    _application(world, 1, triaged=True, due_in_days=5)
    _application(world, 2, triaged=False, due_in_days=9)
    rule = Term.objects.values_list("rule_id", flat=True).first()
    Term.objects.bulk_create(
        Term(
            rule_id=rule,
            object_type="tlv.tlvapplication" if n % 3 else "tlv.tlv",
            object_id=str(100_000 + n),
            start_date=BASE,
            due_date=BASE + dt.timedelta(days=n % 700),
            completed_on=None if n % 5 == 0 else BASE + dt.timedelta(days=n % 600),
        )
        for n in range(5_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        for path in (reverse("tlv:overview"), reverse("home")):
            assert verified_client(world.secretary).get(path).status_code == 200
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if '"terms_term"' in q["sql"] and "completed_on" in q["sql"] and "SELECT" in q["sql"]
    ]
    assert len(statements) >= 3  # keys, the page's terms, the start page's work
    used: set[str] = set()
    of_the_applications = {"term_open_type_due_incl", "term_open_object", "term_object"}
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            terms_indexes = set(re.findall(r"INDEX (term_\w+)", plan))
            assert terms_indexes <= of_the_applications, (sql, plan)
            used |= terms_indexes
    assert used  # not vacuous: the statements read the terms by an index


def test_a_row_shows_its_open_terms_and_the_page_makes_no_term_or_director_instances(
    world: World,
) -> None:
    """TLV-04 on the work list: each row names its open terms (the rule, then its due date, or
    "opgeschort" while suspended), never a completed one, and is marked overdue when an
    unsuspended open term is past its date. Issue 10 (session 41): the terms are read as plain
    values and the involved cases without their directors' names, which the list does not
    show: as instances, the terms with their rules and the directors were a fifth of the CvA
    secretary's page's model instances."""
    from django.db.models.signals import post_init

    on_time = _application(world, 1, triaged=True, due_in_days=5)
    late = _application(world, 2, triaged=True, due_in_days=9)
    late_terms = Term.objects.filter(
        object_type="tlv.tlvapplication", object_id=str(late.pk), completed_on__isnull=True
    ).select_related("rule")
    first, *others = list(late_terms.order_by("id"))
    assert others, "the application needs two open terms for this test"
    # A rule's name is the administrator's text: escaped in the terms' cell.
    TermRule.objects.filter(pk=first.rule_id).update(name='Advies <i>"snel"</i> & zo')
    first.rule.refresh_from_db()
    Term.objects.filter(pk=first.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    Term.objects.filter(pk__in=[t.pk for t in others]).update(suspended_since=BASE)
    done = Term.objects.create(
        rule=first.rule,
        object_type="tlv.tlvapplication",
        object_id=str(on_time.pk),
        start_date=BASE,
        due_date=BASE,
        completed_on=BASE,
    )
    made: list[type] = []

    def count(sender: type, **kwargs: Any) -> None:
        made.append(sender)

    client = verified_client(world.secretary)
    client.get(reverse("tlv:overview"))  # compiles the prepared queries first
    post_init.connect(count)
    try:
        html = client.get(reverse("tlv:overview")).content.decode()
    finally:
        post_init.disconnect(count)
    body = html.split("<tbody", 1)[1]
    rows = body.split("<tr")[1:]
    assert _row_ids(html) == [late.case_id, on_time.case_id]  # the overdue term first
    late_row, on_time_row = rows
    assert f"{escape(first.rule.name)}: uiterlijk " in late_row
    assert "Advies &lt;i&gt;&quot;snel&quot;&lt;/i&gt; &amp; zo: uiterlijk " in late_row
    assert "termijn verstreken" in late_row and "termijn verstreken" not in on_time_row
    for term in others:
        term.rule.refresh_from_db()
        assert f"{escape(term.rule.name)}: opgeschort" in late_row
    open_on_time = Term.objects.filter(
        object_type="tlv.tlvapplication", object_id=str(on_time.pk), completed_on__isnull=True
    ).select_related("rule")
    for term in open_on_time:
        assert f"{escape(term.rule.name)}: uiterlijk {term.due_date:%d-%m-%Y}" in on_time_row
    assert on_time_row.count('class="passend-term"') == len(open_on_time)  # not `done`
    assert done.completed_on is not None
    from passend.accounts.models import User

    assert Term not in made and TermRule not in made
    assert made.count(User) == 1  # the signed-in user only: no process or case director


@pytest.mark.parametrize("batched", [False, True])
def test_tlv_04_an_application_is_listed_once_by_its_earliest_open_term(
    world: World, monkeypatch: pytest.MonkeyPatch, batched: bool
) -> None:
    """An application's place is its earliest open term, in a batch of keys and after it:
    another open term of it, due later or as early, neither lists it twice nor moves it."""
    if batched:
        monkeypatch.setattr(selectors, "_KEY_BATCH", 2)
    early = _application(world, 1, triaged=True, due_in_days=4)
    late = _application(world, 2, triaged=True, due_in_days=6)
    middle = _application(world, 3, triaged=True, due_in_days=5)
    rule = TermRule.objects.first()
    assert rule is not None
    for due_in_days in (9, 2, 2):  # a later term, and two earliest ones due on the same day
        Term.objects.create(
            rule=rule,
            object_type="tlv.tlvapplication",
            object_id=str(late.pk),
            start_date=BASE,
            due_date=BASE + dt.timedelta(days=due_in_days),
        )
    html = verified_client(world.secretary).get(reverse("tlv:overview")).content.decode()
    # ``late`` now has a term due on day 2: it comes first, once.
    assert _row_ids(html) == [late.case_id, early.case_id, middle.case_id]
