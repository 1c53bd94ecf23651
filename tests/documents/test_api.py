"""Documents API: multipart upload, held uploads (202), redact/confirm/cancel, download headers,
400 with the Dutch reason, 404 (logged) for outsiders (AGE-02, CON-06, ORG-04)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from passend.documents.models import Document
from passend.documents.redaction import pypdf_text
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from tests.cases.screens import World, api_client
from tests.documents import fixtures as f
from tests.documents.conftest import blobs, upload_file

pytestmark = pytest.mark.django_db


def base(world: World) -> str:
    return f"/api/v1/cases/{world.case.pk}/documents/"


def post_file(client: Any, world: World, data: bytes, **extra: Any) -> Any:
    return client.post(
        base(world),
        {"title": "Verslag", "category": DataCategory.ORDINARY, "file": upload_file(data), **extra},
    )


def test_upload_list_download(world: World) -> None:
    client = api_client(world.owner)
    data = f.docx_file("Verslag van het gesprek")
    response = post_file(client, world, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "stored" and body["kind"] == "docx"
    assert body["supplied_by"]["id"] == world.case.owner_id
    listing = client.get(base(world)).json()
    assert [d["id"] for d in listing] == [body["id"]]
    download = client.get(f"{base(world)}{body['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "no-store"


def test_age_02_held_upload_redact_via_api(world: World) -> None:
    client = api_client(world.owner)
    response = post_file(client, world, f.pdf(f"Leerling Fenna BSN {f.VALID_BSN}"))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    [finding] = body["findings"]
    assert finding["page"] == 1 and finding["confidence"] == "high"
    assert f.VALID_BSN not in response.content.decode()
    # Not downloadable while held.
    assert client.get(f"{base(world)}{body['id']}/download/").status_code == 404
    redacted = client.post(f"{base(world)}{body['id']}/redact/")
    assert redacted.status_code == 200 and redacted.json()["status"] == "stored"
    download = client.get(f"{base(world)}{body['id']}/download/")
    text = pypdf_text(b"".join(download.streaming_content))
    assert "Leerling Fenna" in text and f.VALID_BSN not in text


def test_age_02_scan_confirm_and_cancel_via_api(
    world: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = api_client(world.owner)
    scan = post_file(client, world, f.scan_pdf()).json()
    assert scan["needs_scan_confirmation"] and scan["status"] == "pending"
    assert client.post(f"{base(world)}{scan['id']}/confirm/").json()["status"] == "stored"
    held = post_file(client, world, f.pdf(f"BSN {f.VALID_BSN}")).json()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{base(world)}{held['id']}/").status_code == 204
    assert list(Document.objects.values_list("pk", flat=True)) == [scan["id"]]
    assert len(blobs(media_root)) == 1


def test_refused_upload_is_400_with_the_reason(world: World, media_root: Path) -> None:
    response = post_file(api_client(world.owner), world, f.pdf_with_javascript())
    assert response.status_code == 400
    assert "JavaScript" in response.json()["file"][0]
    assert Document.objects.count() == 0 and blobs(media_root) == []


def test_bad_fields_are_400_per_field(world: World) -> None:
    response = post_file(
        api_client(world.owner), world, f.pdf("x"), title=f"BSN {f.VALID_BSN}", supplied_by=999999
    )
    assert response.status_code == 400
    assert "title" in response.json()


def test_org_04_outsider_gets_404_and_is_logged(world: World, coordinator_b: Any) -> None:
    document_id = post_file(api_client(world.owner), world, f.pdf("Verslag")).json()["id"]
    outsider = api_client(coordinator_b)
    assert outsider.get(base(world)).status_code == 404
    assert outsider.get(f"{base(world)}{document_id}/download/").status_code == 404
    assert post_file(outsider, world, f.pdf("x")).status_code == 404
    assert Document.objects.count() == 1
    assert AccessLogEntry.objects.filter(actor=coordinator_b, outcome="denied").count() == 3
