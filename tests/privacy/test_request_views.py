"""Screens under /privacy/verzoeken/ (PRV-01): handlers of the organisation only, each read
logged, constant queries on the list, and the intake → decision flow through the UI."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from passend.accounts.models import Role
from passend.privacy import services
from passend.privacy.models import AccessLogEntry, Outcome, SubjectRequest
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db


def _request(pupil: Any, **kwargs: Any) -> SubjectRequest:
    values: dict[str, Any] = {
        "pupil": pupil,
        "kind": "access",
        "description": "Inzage graag.",
        "requester_name": "Ouder Scherm",
        "requester_relation": "parent",
        "channel": "portal",
    }
    values.update(kwargs)
    return services.submit_subject_request(**values)


def _list_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/privacy/verzoeken/")
    assert response.status_code == 200
    return len(queries)


def test_prv01_list_shows_due_dates_with_constant_queries(
    region: dict[str, Any], fg: Any, pupil: Any, other_pupil: Any
) -> None:
    client = verified_client(fg)
    _request(pupil)
    baseline = _list_queries(client)
    for _ in range(8):
        _request(pupil, identity_verified=True)
        _request(other_pupil, kind="erasure")
    assert _list_queries(client) <= baseline
    response = client.get("/privacy/verzoeken/")
    text = response.content.decode()
    assert "Sem Verzoeker" in text and "opgeschort" in text
    assert (
        AccessLogEntry.objects.filter(action="list", object_type="privacy.subjectrequest").count()
        >= 17
    )


def test_prv01_detail_and_actions_for_the_handler_only(
    region: dict[str, Any], fg: Any, pupil: Any, coordinator_b: Any
) -> None:
    request = _request(pupil)
    ect = make_professional(region["swv"], Role.ECT_MEMBER, username="ect-v")
    for outsider in (coordinator_b, ect):
        client = verified_client(outsider)
        assert client.get(f"/privacy/verzoeken/{request.pk}/").status_code == 404
        assert client.post(f"/privacy/verzoeken/{request.pk}/inzage.json").status_code == 404
    assert (
        AccessLogEntry.objects.filter(
            object_type="privacy.subjectrequest", object_id=str(request.pk), outcome=Outcome.DENIED
        ).count()
        >= 4
    )
    client = verified_client(fg)
    response = client.get(f"/privacy/verzoeken/{request.pk}/")
    assert response.status_code == 200
    assert "opgeschort" in response.content.decode()
    response = client.post(
        f"/privacy/verzoeken/{request.pk}/identiteit/",
        {"on": request.received_on.isoformat(), "note": "Paspoort gezien"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/privacy/verzoeken/{request.pk}/besluiten/",
        {"outcome": "granted", "reasons": "Inzage wordt verstrekt aan de ouder."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == SubjectRequest.Status.DECIDED
    # A step that is not available now is refused.
    assert client.get(f"/privacy/verzoeken/{request.pk}/besluiten/").status_code == 403


def test_prv01_staff_intake_searches_the_pupil_and_books_the_request(
    region: dict[str, Any], fg: Any, pupil: Any
) -> None:
    client = verified_client(fg)
    page = client.post("/privacy/verzoeken/nieuw/", {"q": "Verzoeker", "search": "1"})
    assert page.status_code == 200 and "Sem Verzoeker" in page.content.decode()
    response = client.post(
        "/privacy/verzoeken/nieuw/",
        {
            "q": "Verzoeker",
            "pupil": pupil.pk,
            "kind": "objection",
            "description": "Bezwaar tegen het delen met de GGD.",
            "requester_name": "Ouder Intake",
            "requester_relation": "parent",
            "identity_verified": "on",
            "identity_note": "Legitimatie aan de balie",
        },
    )
    assert response.status_code == 302
    created = SubjectRequest.objects.get(kind="objection")
    assert created.channel == "staff" and created.organisation_id == region["swv"].pk
    assert created.identity_verified_on is not None and created.registered_by == fg


def test_prv01_intake_is_for_handlers_only(coordinator_b: Any, region: dict[str, Any]) -> None:
    ect = make_professional(region["swv"], Role.ECT_MEMBER, username="ect-w")
    assert verified_client(ect).get("/privacy/verzoeken/nieuw/").status_code == 404
