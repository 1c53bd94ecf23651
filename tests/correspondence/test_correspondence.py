"""Correspondence (module c): secure messages in a case, letters from templates, content-free
notification e-mails (CO-04, privacy core 4)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from passend.correspondence import services
from passend.correspondence.models import LetterTemplate, Message, Notification
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from tests.cases.screens import World, actor, api_client, build_world, consent_for
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> World:
    w = build_world(region, coordinator_a, first_name="Wilhelmina")
    consent_for(coordinator_a, w.case, [w.ggd], [DataCategory.ORDINARY])
    return w


def test_message_reaches_participants_with_a_content_free_email(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(
            actor(world.owner), world.case, subject="Verslag Wilhelmina", body="Wilhelmina is ziek."
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.partner.email]
    assert "Wilhelmina" not in message.subject + message.body
    assert "ziek" not in message.body
    assert f"/berichten/trajecten/{world.case.pk}/" in message.body
    assert Notification.objects.filter(recipient=world.partner, topic="message").exists()
    page = verified_client(world.partner).get(
        reverse("correspondence:messages", args=[world.case.pk])
    )
    assert "Wilhelmina is ziek." in page.content.decode()


def test_message_to_one_organisation_is_not_shown_to_others(
    world: World, region: dict[str, Any]
) -> None:
    from tests.cases.screens import add_partner
    from tests.factories import OrganisationFactory

    wijk = OrganisationFactory(name="Wijkteam", kind="neighbourhood_team")
    worker = make_professional(wijk, "neighbourhood_team_worker", username="wijk-1")
    add_partner(world.owner, world.case, worker, wijk)
    consent_for(world.owner, world.case, [world.ggd, wijk], [DataCategory.ORDINARY])
    services.send_message(
        actor(world.owner),
        world.case,
        subject="Alleen GGD",
        body="Voor de jeugdarts.",
        to_organisation=world.ggd,
    )
    assert (
        "Voor de jeugdarts."
        in verified_client(world.partner)
        .get(reverse("correspondence:messages", args=[world.case.pk]))
        .content.decode()
    )
    assert (
        "Voor de jeugdarts."
        not in verified_client(worker)
        .get(reverse("correspondence:messages", args=[world.case.pk]))
        .content.decode()
    )


def test_outsider_cannot_read_or_send(world: World, coordinator_b: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.send_message(actor(coordinator_b), world.case, subject="x", body="y")
    client = verified_client(coordinator_b)
    assert client.get(reverse("correspondence:messages", args=[world.case.pk])).status_code == 404
    assert (
        client.post(
            reverse("correspondence:messages", args=[world.case.pk]), {"subject": "x", "body": "y"}
        ).status_code
        == 404
    )
    assert Message.objects.count() == 0
    assert (
        api_client(coordinator_b).get(f"/api/v1/cases/{world.case.pk}/messages/").status_code == 404
    )


def test_message_validation_names_the_field(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        services.send_message(actor(world.owner), world.case, subject="", body="")
    assert set(error.value.message_dict) == {"subject", "body"}


def test_messages_api(world: World) -> None:
    api = api_client(world.owner)
    response = api.post(
        f"/api/v1/cases/{world.case.pk}/messages/",
        {"subject": "Vraag", "body": "Kunt u bellen?"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = api_client(world.partner).get(f"/api/v1/cases/{world.case.pk}/messages/").json()
    assert data[0]["body"] == "Kunt u bellen?"
    assert AccessLogEntry.objects.filter(activity="correspondence", action="send_message").exists()


def test_letter_from_template_as_pdf(world: World) -> None:
    template = LetterTemplate.objects.get(code="ontvangstbevestiging")
    client = verified_client(world.owner)
    response = client.post(
        reverse("correspondence:letter_create", args=[world.case.pk]),
        {"template": template.pk, "recipient": "Bestuur Test"},
    )
    assert response.status_code == 302
    pdf = client.get(response["Location"])
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Wilhelmina Zilverschoon" in text
    assert "Bestuur Test" in text and world.case.pseudonym in text
    assert "{{" not in text


def test_letter_uses_the_pseudonym_when_the_writer_may_not_see_the_name(
    world: World, region: dict[str, Any]
) -> None:
    from tests.cases.screens import add_partner
    from tests.factories import OrganisationFactory

    care = OrganisationFactory(name="Jeugdhulp Zonder Grond", kind="youth_care_provider")
    other = make_professional(care, "youth_care_professional", username="zonder-grond")
    add_partner(world.owner, world.case, other, care)  # no consent or ground: no categories
    template = LetterTemplate.objects.get(code="ontvangstbevestiging")
    letter = services.create_letter(actor(other), world.case, template=template, recipient="School")
    assert "Wilhelmina" not in letter.body
    assert world.case.pseudonym in letter.body


def test_template_editing_rules(region: dict[str, Any], coordinator_a: Any) -> None:
    admin = make_professional(region["swv"], "functional_admin", username="beheer")
    with pytest.raises(ValidationError) as error:
        services.save_template(
            actor(admin), template=None, code="x", name="X", subject="S", body="Beste {{ bsn }}"
        )
    assert "bsn" in str(error.value.message_dict["body"])
    with pytest.raises(ValidationError):
        services.save_template(
            actor(admin),
            template=None,
            code="x",
            name="X",
            subject="S",
            body='<img src="https://t.invalid/x.png">',
        )
    saved = services.save_template(
        actor(admin), template=None, code="x", name="X", subject="S", body="Beste {{ ontvanger }}"
    )
    assert saved.organisation == region["swv"]
    with pytest.raises(PermissionDenied):
        services.save_template(
            actor(coordinator_a), template=saved, code="x", name="Y", subject="S", body="B"
        )


def test_notify_refuses_links_with_query_parameters() -> None:
    from passend.correspondence.notifications import notify

    with pytest.raises(ValueError):
        notify([], "message", "/berichten/?naam=x")


def test_messages_page_query_count_is_constant(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = verified_client(world.owner)
    url = reverse("correspondence:messages", args=[world.case.pk])
    services.send_message(actor(world.owner), world.case, subject="s0", body="b0")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for index in range(5):
        services.send_message(actor(world.partner), world.case, subject=f"s{index}", body="b")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)
