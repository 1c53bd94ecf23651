"""Cases API: scoped and logged like the screens (ORG-04), category-filtered fields, CON-03,
400 with field errors, 403 for non-managers, 404 (logged) for cases one may not see."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.accounts.models import OrganisationKind, Role
from passend.cases.models import Case, CaseKind, Participant, Phase
from passend.consent.models import Consent
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import make_pupil, set_opened_at
from tests.cases.screens import (
    World,
    add_partner,
    api_client,
    build_world,
    cases_for_every_filter,
    consent_for,
    open_case,
)
from tests.conftest import make_professional
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cases/"


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> World:
    return build_world(region, coordinator_a)


@pytest.fixture
def case_b(region: dict[str, Any], coordinator_b: Any) -> Case:
    return open_case(coordinator_b, make_pupil(region["school_b"], first_name="Bregje"))


def post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_list_is_scoped_logged_and_cursor_paginated(
    world: World, case_b: Case, coordinator_a: Any
) -> None:
    response = api_client(coordinator_a).get(BASE)
    assert response.status_code == 200
    body = response.json()
    assert [c["pseudonym"] for c in body["results"]] == [world.case.pseudonym]
    assert body["results"][0]["display_name"] == "Fenna Zilverschoon"
    assert "next" in body and "previous" in body
    logged = AccessLogEntry.objects.filter(action="list", actor=coordinator_a)
    assert list(logged.values_list("object_id", flat=True)) == [str(world.case.pk)]


def test_list_keys_of_the_first_page_are_planned_for_anyone(
    world: World, coordinator_a: Any
) -> None:
    """Issue 10 (session 45), as the list page's keys (``tests/cases/test_views.py``
    ``test_list_keys_are_planned_for_anyone``): the first page's keys compare the person and
    organisation with values PostgreSQL's planner does not look at (``prepared.opaque_id``).
    Planned for its values, the statement was planned again at every request under load
    (pg_stat_statements: 0.4 ms of PostgreSQL's 3.2 ms per request). Still the person's own
    cases only."""
    client = api_client(coordinator_a)
    client.get(BASE)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(BASE).json()
    assert [c["pseudonym"] for c in body["results"]] == [world.case.pseudonym]
    keys = [q["sql"] for q in queries if "involved_opened_at" in q["sql"]]
    assert len(keys) == 1
    for column in ("user_id", "organisation_id"):
        assert f'"cases_participant"."{column}" = (SELECT' in keys[0]
    # The next and the previous page: their position as well.
    from passend.accounts.models import Membership
    from passend.cases import selectors

    membership = Membership.objects.get(user=coordinator_a)
    keys_of = functools.partial(
        selectors.InvolvedApiKeys, coordinator_a, membership, phase="", kind="", status=""
    )
    [first] = keys_of().order_by(*selectors.API_ORDER)[0:1]
    position = str(first[selectors.INVOLVED_OPENED_AT])
    with CaptureQueriesContext(connection) as queries:
        older = keys_of().order_by(*selectors.API_ORDER).filter(involved_opened_at__lt=position)
        assert older[0:51] == []
        newer = keys_of().order_by("involved_opened_at", "id")
        assert newer.filter(involved_opened_at__gt=position)[0:51] == []
    positioned = [q["sql"] for q in queries if "involved_opened_at" in q["sql"]]
    assert len(positioned) == 2
    assert '"cases_participant"."case_opened_at" < (SELECT' in positioned[0]
    assert '"cases_participant"."case_opened_at" > (SELECT' in positioned[1]


def test_list_cursor_pages_cover_every_case_once_newest_first_and_log_each_page(
    coordinator_a: Any,
) -> None:
    """The API pages over the keys, then loads and decides those cases (issue 10): still every
    case exactly once, in the stable order (-opened_at, -id), each page logged as shown."""
    cases = [open_case(coordinator_a, None) for _ in range(53)]
    set_opened_at(Case.objects.filter(pk__in=[c.pk for c in cases[:30]]), timezone.now())
    client = api_client(coordinator_a)
    first = client.get(BASE).json()
    second = client.get(first["next"]).json()
    ids = [c["id"] for c in first["results"]] + [c["id"] for c in second["results"]]
    assert len(first["results"]) == 50 and len(second["results"]) == 3
    assert sorted(ids) == sorted(c.pk for c in cases)
    expected = Case.objects.filter(pk__in=ids).order_by("-opened_at", "-id")
    assert ids == list(expected.values_list("pk", flat=True))
    logged = AccessLogEntry.objects.filter(action="list", actor=coordinator_a)
    assert sorted(int(i) for i in logged.values_list("object_id", flat=True)) == sorted(ids)


def test_list_is_in_order_of_opening_also_where_ids_are_not(coordinator_a: Any) -> None:
    """As the screen (issue 10): the cursor follows the opening time, not the id."""
    cases = [open_case(coordinator_a, None) for _ in range(52)]
    now = timezone.now()
    for age, case in enumerate(cases):  # the first registered is the newest
        set_opened_at(Case.objects.filter(pk=case.pk), now - dt.timedelta(days=age))
    client = api_client(coordinator_a)
    first = client.get(BASE).json()
    second = client.get(first["next"]).json()
    ids = [c["id"] for c in first["results"] + second["results"]]
    assert ids == [c.pk for c in cases]


def test_list_filters_and_constant_queries(region: dict[str, Any], coordinator_a: Any) -> None:
    client = api_client(coordinator_a)
    ggd = OrganisationFactory(name="GGD", kind=OrganisationKind.GGD)

    def make(n: int) -> None:
        for i in range(n):
            case = open_case(coordinator_a, make_pupil(region["school_a"]))
            doctor = make_professional(ggd, Role.GGD_PROFESSIONAL, username=f"api-{case.pk}-{i}")
            add_partner(coordinator_a, case, doctor, ggd)
            consent_for(coordinator_a, case, [ggd], [DataCategory.ORDINARY])

    make(1)
    client.get(BASE)
    with CaptureQueriesContext(connection) as one:
        client.get(BASE)
    make(19)
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(BASE).json()["results"]) == 20
    assert len(twenty.captured_queries) == len(one.captured_queries)
    assert client.get(BASE, {"kind": CaseKind.ATTENDANCE}).json()["results"] == []


def test_detail_query_count_is_constant_in_participants_and_consents(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    ggd = OrganisationFactory(name="GGD", kind=OrganisationKind.GGD)
    case = open_case(coordinator_a, make_pupil(region["school_a"]))
    client = api_client(coordinator_a)
    url = f"{BASE}{case.pk}/"

    def grow(n: int) -> None:
        for _ in range(n):
            doctor = make_professional(
                ggd, Role.GGD_PROFESSIONAL, username=f"d-{Participant.objects.count()}"
            )
            add_partner(coordinator_a, case, doctor, ggd)
            consent_for(coordinator_a, case, [ggd], [DataCategory.ORDINARY])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).json()
        assert body["id"] == case.pk
        return len(queries.captured_queries)

    grow(1)
    client.get(url)
    one = count()
    grow(9)
    assert count() == one
    assert len(client.get(url).json()["participants"]) == 11
    # Issue 10: the case and its participants in one round trip (``statements.Together``).
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    reads = [q["sql"] for q in queries.captured_queries if '"cases_participant" t' in q["sql"]]
    assert len(reads) == 1 and '"cases_case" t' in reads[0]


def test_detail_of_other_school_is_404_and_logged_also_for_actions(
    world: World, case_b: Case, coordinator_a: Any
) -> None:
    client = api_client(coordinator_a)
    participant = case_b.participants.get()
    urls = [
        f"{BASE}{case_b.pk}/participants/",
        f"{BASE}{case_b.pk}/participants/{participant.pk}/end/",
        f"{BASE}{case_b.pk}/consents/",
        f"{BASE}{case_b.pk}/consents/1/revoke/",
        f"{BASE}{case_b.pk}/phase/",
    ]
    response = client.get(f"{BASE}{case_b.pk}/")
    assert response.status_code == 404 and "Bregje" not in response.content.decode()
    for url in urls:
        response = post(client, url, {"reason": "x", "to_phase": "closed"})
        assert response.status_code == 404, url
        assert case_b.pseudonym not in response.content.decode()
    denied = AccessLogEntry.objects.filter(
        actor=coordinator_a, outcome="denied", object_id=str(case_b.pk)
    )
    assert denied.count() == 1 + len(urls)
    assert Case.objects.get(pk=case_b.pk).phase == Phase.INTAKE
    assert Participant.objects.get(pk=participant.pk).ended_at is None


def test_detail_fields_follow_the_categories(world: World, coordinator_a: Any) -> None:
    owner = api_client(coordinator_a).get(f"{BASE}{world.case.pk}/").json()
    assert owner["pupil"] == {"name": "Fenna Zilverschoon", "birth_date": "2012-05-01"}
    assert owner["title"] == "Lezen en rekenen"
    assert "ordinary" in owner["access"]["categories"]
    assert any("Eigen wettelijke taak" in line for line in owner["access"]["grounds"])
    assert len(owner["participants"]) == 2

    partner = api_client(world.partner).get(f"{BASE}{world.case.pk}/").json()
    assert partner["pupil"] is None and partner["title"] is None
    assert partner["display_name"] == world.case.pseudonym
    assert partner["access"]["categories"] == []
    assert "Zilverschoon" not in str(partner)


def test_con_03_consent_and_revocation_through_the_api(world: World, coordinator_a: Any) -> None:
    owner = api_client(coordinator_a)
    partner = api_client(world.partner)
    guardian = world.pupil.guardians.get()
    data = {
        "parties": [world.ggd.pk],
        "categories": ["ordinary", "family"],
        "given_by_pupil": True,
        "given_by_guardians": [],
        "given_on": timezone.localdate().isoformat(),
        "form_version": "2026-1",
        "method": "digital",
    }
    refused = post(owner, f"{BASE}{world.case.pk}/consents/", data)
    assert refused.status_code == 400
    assert "AGE-03" in refused.json()["given_by_guardians"][0]
    given = post(
        owner, f"{BASE}{world.case.pk}/consents/", {**data, "given_by_guardians": [guardian.pk]}
    )
    assert given.status_code == 201, given.content
    detail = partner.get(f"{BASE}{world.case.pk}/").json()
    assert detail["pupil"]["name"] == "Fenna Zilverschoon"
    assert sorted(detail["access"]["categories"]) == ["family", "ordinary"]

    consent_id = given.json()["id"]
    # The partner sees the case but may not manage it: 403, and nothing changes.
    assert (
        post(partner, f"{BASE}{world.case.pk}/consents/{consent_id}/revoke/", {}).status_code == 403
    )
    revoked = post(
        owner, f"{BASE}{world.case.pk}/consents/{consent_id}/revoke/", {"note": "ingetrokken"}
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    after = partner.get(f"{BASE}{world.case.pk}/").json()
    assert after["pupil"] is None and after["access"]["categories"] == []
    assert Consent.objects.get(pk=consent_id).revoked_at is not None


def test_create_case_and_pupil_of_other_school_is_a_field_error(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    client = api_client(coordinator_a)
    own = make_pupil(region["school_a"], first_name="Eigen")
    other = make_pupil(region["school_b"], first_name="Vreemd")
    bad = post(client, BASE, {"kind": "support", "pupil": other.pk})
    assert bad.status_code == 400 and "pupil" in bad.json()
    bsn = post(client, BASE, {"kind": "support", "pupil": own.pk, "title": "BSN 111222333"})
    assert bsn.status_code == 400 and "AGE-02" in bsn.json()["title"][0]
    created = post(client, BASE, {"kind": "support", "pupil": own.pk, "title": "Lezen"})
    assert created.status_code == 201
    body = created.json()
    assert body["pupil"]["name"].startswith("Eigen") and body["owner"]["name"] == "School A"
    anonymous = post(client, BASE, {"kind": "support", "is_anonymous": True})
    assert anonymous.status_code == 201 and anonymous.json()["pupil"] is None
    assert Case.objects.count() == 2


def test_participants_add_end_and_phase_with_version_conflict(
    world: World, coordinator_a: Any
) -> None:
    client = api_client(coordinator_a)
    nurse = make_professional(world.ggd, Role.GGD_PROFESSIONAL, username="nurse")
    missing = post(client, f"{BASE}{world.case.pk}/participants/", {"organisation": world.ggd.pk})
    assert missing.status_code == 400 and {"user", "role"} <= set(missing.json())
    added = post(
        client,
        f"{BASE}{world.case.pk}/participants/",
        {"organisation": world.ggd.pk, "user": "nurse", "role": "Jeugdverpleegkundige"},
    )
    assert added.status_code == 201 and added.json()["person"]["id"] == nurse.pk
    pid = added.json()["id"]
    no_reason = post(client, f"{BASE}{world.case.pk}/participants/{pid}/end/", {"reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    ended = post(client, f"{BASE}{world.case.pk}/participants/{pid}/end/", {"reason": "Klaar"})
    assert ended.status_code == 204

    version = client.get(f"{BASE}{world.case.pk}/").json()["version"]
    moved = post(
        client, f"{BASE}{world.case.pk}/phase/", {"to_phase": "assessment", "version": version}
    )
    assert moved.status_code == 200 and moved.json()["phase"] == "assessment"
    stale = post(
        client, f"{BASE}{world.case.pk}/phase/", {"to_phase": "closed", "version": version}
    )
    assert stale.status_code == 400
    assert "intussen gewijzigd" in stale.json()["non_field_errors"][0]
    wrong = post(client, f"{BASE}{world.case.pk}/phase/", {"to_phase": "aftercare"})
    assert wrong.status_code == 400 and "CO-02" in wrong.json()["to_phase"][0]


def test_privacy_officer_and_attendance_officer_scoping(
    region: dict[str, Any], coordinator_a: Any, world: World
) -> None:
    fg = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg-api")
    assert api_client(fg).get(BASE).json()["results"] == []
    assert api_client(fg).get(f"{BASE}{world.case.pk}/").status_code == 404
    officer = make_professional(region["municipality"], Role.ATTENDANCE_OFFICER, username="lpa-api")
    assert api_client(officer).get(f"{BASE}{world.case.pk}/").status_code == 404


def test_without_token_is_401(world: World) -> None:
    from django.test import Client

    assert Client().get(BASE).status_code == 401
    assert Client().get(f"{BASE}{world.case.pk}/").status_code == 401


def test_schema_documents_the_case_endpoints() -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{id}/consents/{consent_id}/revoke/",
        "/api/v1/cases/{id}/participants/{participant_id}/end/",
        "/api/v1/cases/{id}/phase/",
    ):
        assert path in schema, path


def test_list_keys_come_from_a_query_compiled_once_equal_to_the_querysets(
    world: World, coordinator_a: Any, orm_compilations: list[str]
) -> None:
    """The API's keys (``selectors.InvolvedApiKeys``, issue 10): what DRF's CursorPagination
    reads of them (first page, older than a position, newer in reverse order) equals what it
    read of the filtered queryset, for every filter; a request compiles no case query."""
    from passend.access import selectors as access
    from passend.accounts.models import Membership
    from passend.cases import selectors

    cases_for_every_filter(world, coordinator_a)
    membership = Membership.objects.get(user=coordinator_a)
    compared = 0
    for filters in (
        {},
        {"status": "open"},
        {"status": "closed"},
        {"status": "neither"},
        {"phase": Phase.CLOSED},
        {"kind": CaseKind.ATTENDANCE, "status": "closed"},
        {"phase": Phase.INTAKE, "kind": CaseKind.SUPPORT},
    ):
        queryset = selectors.newest_first(
            selectors.filter_cases(access.involved_cases(coordinator_a, membership), **filters)
        ).values("id", selectors.INVOLVED_OPENED_AT, selectors.INVOLVED_PARTICIPATION)
        everything = list(queryset)
        compared += len(everything)

        ours = functools.partial(
            selectors.InvolvedApiKeys,
            coordinator_a,
            membership,
            phase=filters.get("phase", ""),
            kind=filters.get("kind", ""),
            status=filters.get("status", ""),
        )

        order, reverse = selectors.API_ORDER, ("involved_opened_at", "id")
        assert ours().order_by(*order)[0:3] == everything[:3], filters
        for key in everything:
            position = str(key[selectors.INVOLVED_OPENED_AT])
            older = ours().order_by(*order).filter(involved_opened_at__lt=position)[0:51]
            assert older == list(queryset.filter(involved_opened_at__lt=position)[:51])
            newer = ours().order_by(*reverse).filter(involved_opened_at__gt=position)[0:51]
            expected = queryset.order_by(*reverse).filter(involved_opened_at__gt=position)
            assert newer == list(expected[:51]), filters
            # An offset (rows with the same time as the position) is the queryset's own.
            assert ours().order_by(*order).filter(involved_opened_at__lt=position)[1:3] == list(
                queryset.filter(involved_opened_at__lt=position)[1:3]
            )
    assert compared >= 12  # not vacuous: the filters found cases
    nobody = selectors.InvolvedApiKeys(coordinator_a, None, phase="", kind="", status="")
    assert nobody.order_by(*selectors.API_ORDER)[0:51] == []

    client = api_client(coordinator_a)
    first = client.get(BASE, {"status": "open"}).json()
    assert client.get(BASE, {"status": "open"}).status_code == 200
    orm_compilations.clear()
    again = client.get(BASE, {"status": "open"}).json()
    assert again["results"] == first["results"] and first["results"]
    assert "cases.Case" not in orm_compilations


def test_list_pages_forward_and_back_also_across_cases_opened_at_one_moment(
    coordinator_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DRF's cursors, next and previous, over the prepared keys (issue 10): each page as the
    queryset pages it, also where 60 cases share one opening time (DRF's offset cursor)."""
    cases = [open_case(coordinator_a, None) for _ in range(112)]
    now = timezone.now()
    for age, case in enumerate(cases[:52]):
        set_opened_at(Case.objects.filter(pk=case.pk), now - dt.timedelta(days=age))
    set_opened_at(
        Case.objects.filter(pk__in=[c.pk for c in cases[52:]]), now - dt.timedelta(days=90)
    )
    client = api_client(coordinator_a)
    pages = [client.get(BASE).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    ids = [c["id"] for page in pages for c in page["results"]]
    assert [len(page["results"]) for page in pages] == [50, 50, 12]
    expected = Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("-opened_at", "-id")
    assert ids == list(expected.values_list("pk", flat=True))
    back = client.get(pages[1]["previous"]).json()
    assert back["results"] == pages[0]["results"] and back["next"] == pages[0]["next"]
    # A previous page across cases of one moment is what DRF gives over the queryset (not
    # always the page before: DRF's cursors assume a nearly unique order).
    from passend.cases import selectors

    def by_queryset(keys: selectors.InvolvedApiKeys, window: slice) -> list[dict[str, Any]]:
        return list(keys.queryset().order_by(*keys._ordering).filter(**keys._lookup)[window])

    prepared = client.get(pages[2]["previous"]).json()
    assert back["previous"] is None
    monkeypatch.setattr(selectors.InvolvedApiKeys, "__getitem__", by_queryset)
    assert client.get(pages[2]["previous"]).json() == prepared


@pytest.mark.parametrize(
    "position", ["2026-01-01 00:00:00", "gisteren", "2026-13-45 25:00:00+00:00"]
)
def test_a_cursor_whose_position_is_no_time_with_a_zone_is_invalid(
    coordinator_a: Any, position: str
) -> None:
    import base64
    from urllib.parse import urlencode

    open_case(coordinator_a, None)
    token = base64.b64encode(urlencode({"p": position}).encode()).decode()
    response = api_client(coordinator_a).get(BASE, {"cursor": token})
    assert response.status_code == 404
    assert "cursor" in response.json()["detail"].lower()
