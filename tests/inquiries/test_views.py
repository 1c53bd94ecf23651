"""Informatiepunt screens and API (INF-01): queue with filters, registration form, detail with
timeline and the contact's history, actions, SWV-internal access (404 + denied log), constant
query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from passend.access.actor import Actor
from passend.accounts.models import Membership
from passend.accounts.services import issue_api_token
from passend.inquiries import services
from passend.inquiries.models import Inquiry
from passend.privacy.models import AccessLogEntry
from tests.conftest import verified_client
from tests.inquiries.conftest import Desk, days_ago, registered

pytestmark = pytest.mark.django_db


def test_register_and_handle_through_the_screens(desk: Desk) -> None:
    client = verified_client(desk.desk)
    assert client.get(reverse("inquiries:create")).status_code == 200
    response = client.post(
        reverse("inquiries:create"),
        {
            "kind": "complaint",
            "channel": "email",
            "topic": "Wachttijd TLV",
            "question": "Het duurt te lang.",
            "contact_role": "parent",
            "contact_name": "Karel Klager",
            "contact_email": "Karel@Example.invalid",
        },
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.contact_email == "karel@example.invalid"
    url = reverse("inquiries:detail", args=[inquiry.pk])
    page = client.get(url).content.decode()
    assert "Karel Klager" in page and "Geregistreerd" in page
    response = client.post(
        reverse("inquiries:action", args=[inquiry.pk, "toewijzen"]), {"user": desk.ect.pk}
    )
    assert response.status_code == 302
    ect = verified_client(desk.ect)
    response = ect.post(
        reverse("inquiries:action", args=[inquiry.pk, "beantwoorden"]),
        {"text": "Excuses; de CvA heeft het advies inmiddels gegeven."},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "answered"
    page = client.get(url).content.decode()
    assert "Toegewezen" in page and "Beantwoord" in page and "Excuses" in page


def test_form_errors_are_dutch_and_name_the_field(desk: Desk) -> None:
    response = verified_client(desk.desk).post(
        reverse("inquiries:create"),
        {
            "kind": "question",
            "channel": "phone",
            "topic": "x",
            "question": "BSN 123456782",
            "contact_role": "parent",
            "contact_name": "Y",
        },
    )
    assert response.status_code == 200
    assert "BSN" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_queue_filters_status_kind_overdue(desk: Desk) -> None:
    late = registered(desk, topic="Laat", received_on=days_ago(40))
    registered(desk, topic="Vers")
    complaint = registered(desk, topic="Klacht", kind="complaint")
    services.answer(desk.actor(desk.desk), complaint, text="Opgelost.")
    client = verified_client(desk.desk)

    def topics(query: str) -> set[str]:
        page = client.get(reverse("inquiries:queue") + query).content.decode()
        return {t for t in ("Laat", "Vers", "Klacht") if f">{t}</a>" in page}

    assert topics("") == {"Laat", "Vers", "Klacht"}
    assert topics("?overdue=on") == {"Laat"}
    assert topics("?kind=complaint") == {"Klacht"}
    assert topics("?status=answered") == {"Klacht"}
    assert "termijn verstreken" in client.get(reverse("inquiries:queue")).content.decode()
    assert AccessLogEntry.objects.filter(
        actor=desk.desk, action="list", object_id=str(late.pk)
    ).exists()


def test_history_per_contact(desk: Desk) -> None:
    first = registered(desk, topic="Eerste vraag", contact_email="", contact_phone="0612345678")
    second = registered(
        desk, topic="Tweede vraag", contact_email="PETRA@example.invalid", contact_phone=""
    )
    third = registered(desk, topic="Derde vraag")  # petra@…, 06-1234 5678
    stranger = registered(
        desk, topic="Vreemde", contact_email="x@example.invalid", contact_phone=""
    )
    page = (
        verified_client(desk.desk)
        .get(reverse("inquiries:detail", args=[third.pk]))
        .content.decode()
    )
    assert "Eerste vraag" in page and "Tweede vraag" in page and "Vreemde" not in page
    assert AccessLogEntry.objects.filter(action="history", object_id=str(first.pk)).exists()
    assert second.pk and stranger.pk


def test_access_is_swv_internal(desk: Desk, coordinator_a: Any) -> None:
    inquiry = registered(desk)
    url = reverse("inquiries:detail", args=[inquiry.pk])
    assert verified_client(desk.other_desk).get(url).status_code == 404
    assert AccessLogEntry.objects.filter(
        actor=desk.other_desk, outcome="denied", object_id=str(inquiry.pk)
    ).exists()
    school = verified_client(coordinator_a)
    assert school.get(url).status_code == 404
    assert school.get(reverse("inquiries:queue")).status_code == 404
    assert school.post(reverse("inquiries:create")).status_code == 404
    # The ECT member sees only what is assigned to them.
    ect = verified_client(desk.ect)
    assert ect.get(url).status_code == 404
    assert "Aanvraag arrangement" not in ect.get(reverse("inquiries:queue")).content.decode()
    services.assign(desk.actor(desk.desk), inquiry, user=desk.ect)
    assert ect.get(url).status_code == 200
    assert "Aanvraag arrangement" in ect.get(reverse("inquiries:queue")).content.decode()
    # The assignee answers but does not reassign.
    assert ect.get(reverse("inquiries:action", args=[inquiry.pk, "toewijzen"])).status_code == 403
    # The other SWV's desk sees nothing of it in its queue.
    assert (
        "Aanvraag arrangement"
        not in verified_client(desk.other_desk).get(reverse("inquiries:queue")).content.decode()
    )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queue_and_detail_query_counts_are_constant(desk: Desk) -> None:
    first = registered(desk)
    registered(desk, topic="Oud")  # the contact's history is not empty in the small case
    services.assign(desk.actor(desk.desk), first, user=desk.ect)
    client = verified_client(desk.desk)
    client.get(reverse("inquiries:queue"))  # warm-up
    queue_small = _queries(client, reverse("inquiries:queue"))
    detail_small = _queries(client, reverse("inquiries:detail", args=[first.pk]))
    for n in range(4):
        more = registered(desk, topic=f"Vraag {n}")  # same contact: longer history
        services.assign(desk.actor(desk.desk), more, user=desk.director)
        services.answer(desk.actor(desk.desk), more, text="Antwoord.")
    services.answer(desk.actor(desk.ect), first, text="Antwoord.")  # more events
    assert _queries(client, reverse("inquiries:queue")) == queue_small
    assert _queries(client, reverse("inquiries:detail", args=[first.pk])) == detail_small


def _api(user: Any) -> Client:
    membership = Membership.objects.get(user=user)
    _token, raw = issue_api_token(Actor.for_membership(membership).context, membership)
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


def test_api_is_scoped_and_logged(desk: Desk) -> None:
    inquiry = registered(desk, received_on=days_ago(30))
    api = _api(desk.desk)
    rows = api.get("/api/v1/inquiries/?overdue=true").json()
    assert [r["id"] for r in rows] == [inquiry.pk] and rows[0]["overdue"] is True
    body = api.get(f"/api/v1/inquiries/{inquiry.pk}/").json()
    assert body["contact_name"] == "Petra Ouderling" and body["events"][0]["kind"] == "registered"
    other = _api(desk.other_desk)
    assert other.get("/api/v1/inquiries/").json() == []
    assert other.get(f"/api/v1/inquiries/{inquiry.pk}/").status_code == 404
    assert api.get("/api/v1/inquiries/?kind=wens").status_code == 400
    assert AccessLogEntry.objects.filter(
        actor=desk.other_desk, outcome="denied", activity="information_desk"
    ).exists()
