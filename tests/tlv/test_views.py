"""TLV screens: the whole procedure through the web client, letters as PDF text, DUO export,
ORG-04 scoping (404 + log), and constant query counts."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from passend.privacy.models import AccessLogEntry
from passend.tlv.models import Letter, Tlv, TlvApplication
from tests.conftest import verified_client
from tests.tlv.conftest import COMPLETE_INTENDED, COMPLETE_REQUESTING, World, advised, submitted

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in values.items():
        if key == "ivo":
            data.update({f"ivo_{k}": v for k, v in value.items()})
        elif isinstance(value, dt.date):
            data[key] = value.isoformat()
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        else:
            data[key] = value
    return data


def test_happy_path_through_the_screens(world: World) -> None:
    """TLV-01..07, TLV-11: prepare, submit, triage, assess, advise, decide, collect, letter."""
    school = verified_client(world.coordinator)
    response = school.post(
        reverse("tlv:create"),
        {
            "pupil": world.pupil.pk,
            "requested_type": "vso",
            "route": "new",
            "intended_school": world.vso.pk,
        },
    )
    assert response.status_code == 302
    application = TlvApplication.objects.get()
    case_id = application.case_id
    response = school.post(
        reverse("tlv:edit", args=[case_id]),
        form_data({**COMPLETE_REQUESTING, "parents_agree": True, "experts_agree": True}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    vso = verified_client(world.vso_coordinator)
    response = vso.post(reverse("tlv:edit", args=[case_id]), form_data(COMPLETE_INTENDED))
    assert response.status_code == 302
    board = verified_client(world.board_user)
    assert board.post(reverse("tlv:action", args=[case_id, "submit"])).status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted"

    secretary = verified_client(world.secretary)
    overview = secretary.get(reverse("tlv:overview")).content.decode()
    assert application.case.pseudonym in overview and "Toelaatbaar" not in overview
    assert secretary.get(reverse("tlv:detail", args=[case_id])).status_code == 404
    response = secretary.post(reverse("tlv:triage", args=[case_id]), {"route": "secretary"})
    assert response.status_code == 302
    assert secretary.get(reverse("tlv:detail", args=[case_id])).status_code == 200
    response = secretary.post(
        reverse("tlv:action", args=[case_id, "assess"]),
        {
            "disorder_established": "on",
            "educational_limitation": "on",
            "care_insufficient": "on",
            "causal_link": "on",
        },
    )
    assert response.status_code == 302
    response = secretary.post(
        reverse("tlv:action", args=[case_id, "advice"]), {"positive": "1", "by_gavel": "on"}
    )
    assert response.status_code == 302

    director = verified_client(world.director)
    assert application.case.pseudonym in director.get(reverse("tlv:overview")).content.decode()
    response = director.post(reverse("tlv:decide", args=[case_id]), {})
    assert response.status_code == 302, response.content.decode()[-3000:]
    tlv = Tlv.objects.get()

    assert vso.post(reverse("tlv:action", args=[case_id, "collect"])).status_code == 302
    letter = Letter.objects.get(application=application, kind="decision")
    response = school.get(reverse("tlv:letter", args=[case_id, letter.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "Toelaatbaar" not in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in (
        tlv.number,
        tlv.start_date.strftime("%d-%m-%Y"),
        tlv.end_date.strftime("%d-%m-%Y"),
        "Categorie 1",
        "8.682,52",
        "371,74",
        "bezwaar",
        "zes weken",
        "Tijmen Toelaatbaar",
    ):
        assert expected in text, expected

    csv = vso.get(reverse("tlv:duo_export")).content.decode()
    assert tlv.number in csv and "VSO" in csv and "bsn" not in csv.lower()
    assert AccessLogEntry.objects.filter(
        activity="tlv_duo_export", actor=world.vso_coordinator
    ).exists()


def test_r_tlv_04_receipt_and_incomplete_letters_as_pdf(world: World) -> None:
    application = submitted(world, lovs_summary="")
    client = verified_client(world.coordinator)
    receipt = Letter.objects.get(application=application, kind="receipt")
    text = pdf_text(
        client.get(reverse("tlv:letter", args=[application.case_id, receipt.pk])).content
    )
    assert "Ontvangstbevestiging" in text and "vier weken" in text
    incomplete = Letter.objects.get(application=application, kind="incomplete")
    text = pdf_text(
        client.get(reverse("tlv:letter", args=[application.case_id, incomplete.pk])).content
    )
    assert "opgeschort" in text and "LOVS" in text


def test_r_tlv_09_negative_decision_letter_mentions_safety_net_and_objection(world: World) -> None:
    from passend.tlv import services

    application = submitted(world)
    secretary = world.actor(world.secretary)
    services.triage(secretary, application, route="full", meeting_on=dt.date(2030, 1, 1))
    services.assess(secretary, application)
    advice = services.give_advice(
        secretary, application, positive=False, motivation="Niet onderbouwd"
    )
    services.record_conversation(
        secretary, application, held_on=advice.shared_with_school_on, notes="Gesprek"
    )
    services.finalise_negative_advice(secretary, application)
    services.decide(world.actor(world.director), application)
    letter = Letter.objects.get(application=application, kind="decision")
    text = pdf_text(
        verified_client(world.director)
        .get(reverse("tlv:letter", args=[application.case_id, letter.pk]))
        .content
    )
    assert "niet toelaatbaar" in text and "vangnet" in text and "bezwaar" in text


def test_org_04_outsider_sees_no_tlv(world: World, coordinator_b: Any) -> None:
    application = advised(world)
    client = verified_client(coordinator_b)
    for url in (
        reverse("tlv:detail", args=[application.case_id]),
        reverse("tlv:letter", args=[application.case_id, application.letters.first().pk]),
        reverse("tlv:action", args=[application.case_id, "assess"]),
        reverse("tlv:triage", args=[application.case_id]),
        reverse("tlv:decide", args=[application.case_id]),
    ):
        assert client.get(url).status_code == 404, url
    assert "Tijmen" not in client.get(reverse("tlv:overview")).content.decode()
    assert AccessLogEntry.objects.filter(actor=coordinator_b, outcome="denied").exists()


def test_signals_page_shows_board_shares(world: World) -> None:
    advised(world)
    page = verified_client(world.director).get(reverse("tlv:signals")).content.decode()
    assert "Bestuur Test" in page and "100%" in page


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_overview_and_detail_query_counts_are_constant(world: World) -> None:
    from tests.access.helpers import make_pupil

    first = advised(world)
    client = verified_client(world.coordinator)
    client.get(reverse("tlv:overview"))  # warm-up: session and device lookups of a first request
    overview_small = _queries(client, reverse("tlv:overview"))
    detail_small = _queries(client, reverse("tlv:detail", args=[first.case_id]))
    for n in range(3):
        world.pupil = make_pupil(world.region["school_a"], first_name=f"Extra{n}")
        advised(world)
    assert _queries(client, reverse("tlv:overview")) == overview_small
    assert _queries(client, reverse("tlv:detail", args=[first.case_id])) == detail_small
