"""Arrangement screens and API: the path through the web client, the SWV queue with
pseudonyms only, ORG-04 scoping (404 + denied log), € notation, constant query counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from passend.accounts.models import Membership
from passend.accounts.services import issue_api_token
from passend.arrangements.models import Arrangement, Decision
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import make_pupil
from tests.arrangements.conftest import World, advised, applied, granted
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_path_through_the_screens(world: World) -> None:
    school = verified_client(world.coordinator)
    overview = school.get(reverse("arrangements:list")).content.decode()
    assert "Flexplek" in overview
    form = school.get(reverse("arrangements:create", args=[world.kind.pk])).content.decode()
    assert "Uren per week" in form and "individueel" in form  # the kind's extra fields
    response = school.post(
        reverse("arrangements:create", args=[world.kind.pk]),
        {
            "pupil": world.pupil.pk,
            "support_need": "Structuur en rust.",
            "quote_amount": "8.682,52",
            "extra_hours": "4",
            "extra_form": "groep",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    arrangement = Arrangement.objects.get()
    case_id = arrangement.case_id
    assert arrangement.quote_amount == Decimal("8682.52")
    detail = school.get(reverse("arrangements:detail", args=[case_id])).content.decode()
    assert "€ 8.682,52" in detail and "Arrangeer" in detail

    ect = verified_client(world.ect)
    queue = ect.get(reverse("arrangements:list")).content.decode()
    assert arrangement.case.pseudonym in queue and "Arrangeer" not in queue
    assert ect.get(reverse("arrangements:detail", args=[case_id])).status_code == 404
    assert ect.post(reverse("arrangements:take_up", args=[case_id])).status_code == 302
    assert ect.get(reverse("arrangements:detail", args=[case_id])).status_code == 200
    response = ect.post(
        reverse("arrangements:action", args=[case_id, "advies"]),
        {"outcome": "grant_changed", "advised_amount": "7.500,00", "text": "Iets minder uren."},
    )
    assert response.status_code == 302

    director = verified_client(world.director)
    assert arrangement.case.pseudonym in director.get(reverse("arrangements:list")).content.decode()
    director.post(reverse("arrangements:take_up", args=[case_id]))
    response = director.post(
        reverse("arrangements:action", args=[case_id, "besluit"]),
        {"granted": "yes", "motivation": "Conform advies."},
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert str(decision.amount) == "7500.00"  # the advised amount
    page = director.get(reverse("arrangements:detail", args=[case_id])).content.decode()
    assert decision.number in page and "€ 7.500,00" in page and "Tijdlijn" in page
    assert "€ 12.500,00" in director.get(reverse("arrangements:list")).content.decode()  # left

    response = school.post(
        reverse("arrangements:action", args=[case_id, "evaluatie"]),
        {"goals_met": "yes", "notes": "Doelen gehaald."},
    )
    assert response.status_code == 302
    response = director.post(
        reverse("arrangements:action", args=[case_id, "verlenging"]),
        {"reason": "Afbouwen.", "amount": "500"},
    )
    assert response.status_code == 302
    arrangement.refresh_from_db()
    assert arrangement.status == "granted" and arrangement.extensions.count() == 1


def test_errors_name_the_field_in_dutch(world: World) -> None:
    school = verified_client(world.coordinator)
    response = school.post(
        reverse("arrangements:create", args=[world.kind.pk]),
        {"pupil": world.pupil.pk, "support_need": "X", "quote_amount": "20.000,00"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "hooguit € 15.000,00" in page and "verplicht voor deze soort" in page
    assert not Arrangement.objects.exists()


def test_step_not_yours_is_refused(world: World) -> None:
    arrangement = applied(world)
    school = verified_client(world.coordinator)
    response = school.post(
        reverse("arrangements:action", args=[arrangement.case_id, "besluit"]),
        {"granted": "yes", "motivation": "Zelf besloten."},
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_outsider_gets_404_and_a_denied_log_org_04(world: World, coordinator_b: Any) -> None:
    arrangement = granted(world)
    client = verified_client(coordinator_b)
    for url in (
        reverse("arrangements:detail", args=[arrangement.case_id]),
        reverse("arrangements:action", args=[arrangement.case_id, "evaluatie"]),
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("arrangements:take_up", args=[arrangement.case_id])).status_code == 404
    )
    assert AccessLogEntry.objects.filter(actor=coordinator_b, outcome="denied").count() >= 3
    assert "Arrangeer" not in client.get(reverse("arrangements:list")).content.decode()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_query_counts_are_constant(world: World) -> None:
    first = granted(world, amount=Decimal("100.00"))
    advised(world, pupil=make_pupil(world.region["school_a"]))  # in the director's queue
    applied(world, pupil=make_pupil(world.region["school_a"]))  # in the ECT's queue
    clients = [verified_client(u) for u in (world.coordinator, world.director, world.ect)]
    small = []
    for client in clients:
        client.get(reverse("arrangements:list"))  # warm-up
        small.append(
            (
                _queries(client, reverse("arrangements:list")),
                _queries(client, reverse("arrangements:detail", args=[first.case_id])),
            )
        )
    for _n in range(3):
        granted(world, amount=Decimal("100.00"), pupil=make_pupil(world.region["school_a"]))
        advised(world, pupil=make_pupil(world.region["school_a"]))
        applied(world, pupil=make_pupil(world.region["school_a"]))  # in the ECT's queue
    large = [
        (
            _queries(client, reverse("arrangements:list")),
            _queries(client, reverse("arrangements:detail", args=[first.case_id])),
        )
        for client in clients
    ]
    assert large == small


def _api(user: Any) -> Client:
    membership = Membership.objects.get(user=user)
    from passend.access.actor import Actor

    _token, raw = issue_api_token(Actor.for_membership(membership).context, membership)
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


def test_api_list_and_detail_are_scoped_and_logged(world: World, coordinator_b: Any) -> None:
    arrangement = granted(world, amount=Decimal("2500.00"))
    api = _api(world.coordinator)
    listing = api.get("/api/v1/arrangements/").json()
    assert [row["case"] for row in listing] == [arrangement.case_id]
    assert listing[0]["decision_number"].startswith("ARR-")
    body = api.get(f"/api/v1/arrangements/{arrangement.case_id}/").json()
    assert body["decision"]["amount"] == "2500.00"
    assert body["support_need"].startswith("Rust")
    assert AccessLogEntry.objects.filter(
        actor=world.coordinator, object_id=str(arrangement.case_id), action="list"
    ).exists()
    outsider = _api(coordinator_b)
    assert outsider.get("/api/v1/arrangements/").json() == []
    assert outsider.get(f"/api/v1/arrangements/{arrangement.case_id}/").status_code == 404
    assert api.get("/api/v1/arrangements/?status=nonsense").status_code == 400


def test_openapi_documents_the_endpoints(world: World) -> None:
    schema = verified_client(world.coordinator).get("/api/v1/schema/?format=json")
    text = schema.content.decode()
    assert "/api/v1/arrangements/" in text and "/api/v1/inquiries/" in text
