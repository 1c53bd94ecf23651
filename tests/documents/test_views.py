"""Document screens: upload through the UI, held uploads, download headers, 404 + log for
outsiders, parents' control, constant query counts (AGE-02, CON-06, ORG-04, PRV-08)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from passend.cases.models import Case
from passend.documents import services
from passend.documents.models import Document
from passend.documents.redaction import pypdf_text
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from tests.cases.screens import World, actor, consent_for
from tests.conftest import verified_client
from tests.documents import fixtures as f
from tests.documents.conftest import blobs, upload_file

pytestmark = pytest.mark.django_db


def list_url(case: Case) -> str:
    return reverse("documents:list", args=[case.pk])


def post_upload(
    client: Any, case: Case, data: bytes, name: str = "Fenna verslag.pdf", **extra: Any
) -> Any:
    form = {
        "title": "Verslag",
        "category": DataCategory.ORDINARY,
        "supplied_by": str(Case.objects.get(pk=case.pk).owner_id),
        "phase": "",
        "file": upload_file(data, name),
        **extra,
    }
    return client.post(list_url(case), form)


def stored(world: World, data: bytes, user: Any = None, **kwargs: Any) -> Document:
    kwargs.setdefault("category", DataCategory.ORDINARY)
    kwargs.setdefault("title", "Verslag")
    return services.upload_document(
        actor(user or world.owner), world.case, upload=upload_file(data), **kwargs
    )


def test_upload_through_the_ui_and_download_with_safe_headers(world: World) -> None:
    client = verified_client(world.owner)
    page = client.get(reverse("cases:detail", args=[world.case.pk]))
    assert list_url(world.case) in page.content.decode()  # the case page links here
    data = f.pdf("Verslag van het gesprek")
    response = post_upload(client, world.case, data)
    assert response.status_code == 302 and response["Location"] == list_url(world.case)
    document = Document.objects.get()
    assert document.status == Document.Status.STORED

    listing = client.get(list_url(world.case)).content.decode()
    assert "Verslag" in listing and "Fenna verslag" not in listing

    download = client.get(reverse("documents:download", args=[world.case.pk, document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "no-store"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(rf'filename="{world.case.pseudonym}-document-{document.pk}\.pdf"', disposition)
    assert "Fenna" not in disposition
    preview = client.get(reverse("documents:preview", args=[world.case.pk, document.pk]))
    assert preview["Content-Disposition"].startswith("inline;")
    assert "sandbox" in preview["Content-Security-Policy"]
    actions = set(
        AccessLogEntry.objects.filter(object_id=str(document.pk)).values_list("action", flat=True)
    )
    assert {"upload", "list", "download", "preview"} <= actions


def test_refused_upload_shows_the_dutch_reason_and_stores_nothing(
    world: World, media_root: Path
) -> None:
    client = verified_client(world.owner)
    response = post_upload(client, world.case, f.exe_as_pdf(), name="rapport.pdf")
    assert response.status_code == 200
    assert "uitvoerbaar bestand" in response.content.decode()
    assert Document.objects.count() == 0 and blobs(media_root) == []


def test_age_02_held_upload_shows_masked_hits_and_redacts(world: World) -> None:
    client = verified_client(world.owner)
    response = post_upload(
        client, world.case, f.pdf("Intro", f"Leerling Fenna, BSN {f.VALID_BSN}, groep 7")
    )
    document = Document.objects.get()
    review = reverse("documents:review", args=[world.case.pk, document.pk])
    assert response["Location"] == review
    page = client.get(review).content.decode()
    assert f.VALID_BSN not in page and "•••••••••" in page
    assert "Automatisch onkenbaar maken" in page and ">2<" in page  # page number of the hit

    # The partner does not see the held upload, not even by its URL.
    partner = verified_client(world.partner)
    assert partner.get(review).status_code == 404

    response = client.post(review, {"decision": "redact"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == Document.Status.STORED and document.redacted_at
    download = client.get(reverse("documents:download", args=[world.case.pk, document.pk]))
    text = pypdf_text(b"".join(download.streaming_content))
    assert "Leerling Fenna" in text and f.VALID_BSN not in text


def test_age_02_scan_confirmation_through_the_ui(world: World) -> None:
    client = verified_client(world.owner)
    post_upload(client, world.case, f.scan_pdf())
    document = Document.objects.get()
    review = reverse("documents:review", args=[world.case.pk, document.pk])
    assert "geen tekstlaag" in client.get(review).content.decode()
    client.post(review, {"decision": "confirm"})
    document.refresh_from_db()
    assert document.status == Document.Status.STORED
    assert AccessLogEntry.objects.filter(action="confirm_no_bsn", actor=world.owner).exists()


def test_age_02_cancel_through_the_ui(
    world: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = verified_client(world.owner)
    post_upload(client, world.case, f.pdf(f"BSN {f.VALID_BSN}"))
    document = Document.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("documents:review", args=[world.case.pk, document.pk]), {"decision": "cancel"}
        )
    assert Document.objects.count() == 0 and blobs(media_root) == []


def test_org_04_outsider_gets_404_and_the_denial_is_logged(
    world: World, coordinator_b: Any
) -> None:
    document = stored(world, f.pdf("Verslag"))
    outsider = verified_client(coordinator_b)
    for url in (
        list_url(world.case),
        reverse("documents:download", args=[world.case.pk, document.pk]),
        reverse("documents:preview", args=[world.case.pk, document.pk]),
    ):
        assert outsider.get(url).status_code == 404
    assert AccessLogEntry.objects.filter(actor=coordinator_b, outcome="denied").count() == 3


def test_con_06_document_not_visible_to_participant_is_404_and_logged(world: World) -> None:
    document = stored(
        world, f.pdf("Gedrag"), category=DataCategory.BEHAVIOUR, title="Observatie Zwaan"
    )
    partner = verified_client(world.partner)
    url = reverse("documents:download", args=[world.case.pk, document.pk])
    assert partner.get(url).status_code == 404
    denied = AccessLogEntry.objects.get(
        actor=world.partner, action="download", object_type="documents.document"
    )
    assert denied.outcome == "denied" and denied.object_id == str(document.pk)
    assert "Observatie Zwaan" not in partner.get(list_url(world.case)).content.decode()


def test_parents_control_marking_through_the_ui(world: World) -> None:
    report = stored(world, f.pdf("Medisch"), user=world.partner, category=DataCategory.HEALTH)
    url = reverse("documents:shareable", args=[world.case.pk, report.pk])
    owner = verified_client(world.owner)
    assert owner.get(url).status_code == 404  # parents' control: the owner does not see it yet
    consent_for(world.owner, world.case, [world.region["school_a"]], [DataCategory.HEALTH])
    page = owner.get(url)
    assert page.status_code == 200 and "AGE-03" in page.content.decode()
    response = owner.post(url, {"marked_by": "moeder en Fenna (13)", "marked_on": "2026-01-05"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.shareable_marked_by == "moeder en Fenna (13)" and report.is_marked_shareable
    # The supplier sees its report but does not manage the case: it cannot record the mark.
    assert verified_client(world.partner).get(url).status_code == 403
    assert owner.post(url, {"withdraw": "1"}).status_code == 302
    report.refresh_from_db()
    assert not report.is_marked_shareable


def test_list_query_count_is_constant(world: World) -> None:
    client = verified_client(world.owner)
    stored(world, f.pdf("Een"))
    url = list_url(world.case)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(6):
        stored(world, f.pdf(f"Nummer {i}"), category=DataCategory.BEHAVIOUR)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.content.decode().count("Downloaden") == 7
    assert len(large) == len(small)
