"""TLV through the API: a full happy path and a full objection path (TLV-01..11), 404/403/400."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from passend.tlv.models import Tlv
from tests.cases.screens import api_client
from tests.tlv.conftest import COMPLETE_INTENDED, COMPLETE_REQUESTING, World

pytestmark = pytest.mark.django_db

BASE = "/api/v1/tlv/applications/"


def post(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(data or {}, default=str), content_type="application/json")


def patch(client: Any, url: str, values: dict[str, Any]) -> Any:
    return client.patch(
        url, json.dumps({"values": values}, default=str), content_type="application/json"
    )


def _to_decision(world: World, *, positive: bool = True) -> tuple[int, dict[str, Any]]:
    school = api_client(world.coordinator)
    response = post(
        school,
        BASE,
        {"pupil": world.pupil.pk, "requested_type": "vso", "intended_school": world.vso.pk},
    )
    assert response.status_code == 201, response.content
    case_id = response.json()["case"]
    url = f"{BASE}{case_id}/"
    assert response.json()["status"] == "draft" and response.json()["missing"]
    assert patch(school, url, COMPLETE_REQUESTING).status_code == 200
    assert patch(api_client(world.vso_coordinator), url, COMPLETE_INTENDED).status_code == 200
    # The school cannot submit: the board applies (TLV-01).
    assert post(school, url + "submit/").status_code == 403
    body = post(api_client(world.board_user), url + "submit/").json()
    assert body["status"] == "submitted" and body["missing"] == []
    assert {t["code"] for t in body["terms"]} >= {"tlv-receipt", "tlv-advice", "tlv-overall"}
    secretary = api_client(world.secretary)
    assert secretary.get(url).status_code == 404  # not yet involved (ORG-04)
    route = "secretary" if positive else "full"
    meeting = {"meeting_on": "2030-01-08"} if not positive else {}
    assert post(secretary, url + "triage/", {"route": route, **meeting}).status_code == 200
    checklist = {
        "disorder_established": True,
        "educational_limitation": True,
        "care_insufficient": True,
        "causal_link": True,
    }
    body = post(secretary, url + "assess/", checklist if positive else {}).json()
    assert body["assessment"]["met"] is positive
    if positive:
        body = post(secretary, url + "advice/", {"positive": True, "by_gavel": True}).json()
        assert body["advice"]["by_gavel"] and body["advice"]["category"] == 1
    else:
        response = post(secretary, url + "advice/", {"positive": True})
        assert response.status_code == 400 and "positive" in response.json()
        body = post(
            secretary, url + "advice/", {"positive": False, "motivation": "Onvoldoende"}
        ).json()
        assert body["advice"]["status"] == "intended_negative"
        assert post(secretary, url + "finalise-advice/").status_code == 400
        today = timezone.localdate().isoformat()
        post(secretary, url + "conversation/", {"held_on": today, "notes": "Besproken"})
        assert post(secretary, url + "finalise-advice/").json()["advice"]["status"] == "negative"
    director = api_client(world.director)
    body = post(director, url + "decide/").json()
    assert body["status"] == "decided" and body["decision"]["positive"] is positive
    return case_id, body


def test_happy_path_through_the_api(world: World) -> None:
    case_id, body = _to_decision(world)
    assert body["tlv"]["number"] == Tlv.objects.get().number
    body = post(api_client(world.vso_coordinator), f"{BASE}{case_id}/collect/").json()
    assert body["tlv"]["collected_on"] is not None


def test_objection_path_through_the_api(world: World) -> None:
    case_id, body = _to_decision(world, positive=False)
    assert body["tlv"] is None
    director = api_client(world.director)
    url = f"{BASE}{case_id}/"
    today = timezone.localdate()
    body = post(
        director, url + "objections/", {"lodged_by": "parents", "received_on": today}
    ).json()
    objection = body["objections"][0]["id"]
    codes = {t["code"] for t in body["terms"]}
    assert "tlv-overall" in codes
    response = post(
        director,
        url + "objection-steps/",
        {"objection": objection, "step": "decide", "on": today, "outcome": "rejected"},
    )
    assert response.status_code == 400  # the LBT must be consulted first (TLV-10)
    for step in ("refer", "hearing"):
        assert (
            post(
                director,
                url + "objection-steps/",
                {"objection": objection, "step": step, "on": today},
            ).status_code
            == 200
        )
    post(
        director,
        url + "objection-steps/",
        {"objection": objection, "step": "decide", "on": today, "outcome": "rejected"},
    )
    body = post(
        director, url + "objection-steps/", {"objection": objection, "step": "appeal", "on": today}
    ).json()
    final = body["objections"][0]
    assert final["outcome"] == "rejected" and final["appeal_on"] == today.isoformat()
    assert final["referred_on"] and final["hearing_on"] and final["decided_on"]


def test_api_outsider_gets_404(world: World, coordinator_b: Any) -> None:
    case_id, _body = _to_decision(world)
    outsider = api_client(coordinator_b)
    assert outsider.get(f"{BASE}{case_id}/").status_code == 404
    assert (
        post(
            outsider,
            f"{BASE}{case_id}/objections/",
            {"lodged_by": "parents", "received_on": dt.date.today()},
        ).status_code
        == 404
    )
