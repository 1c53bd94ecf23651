"""Upload, hold, redact, confirm, cancel (AGE-02); encryption at rest; refused uploads leave
nothing behind; atomicity; clean-up; parents' control (CON-06)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from passend.access.policy import decide_case
from passend.access.selectors import CaseRow
from passend.cases.models import Case, Phase
from passend.documents import services
from passend.documents.models import Document, FileKind
from passend.documents.redaction import pypdf_text
from passend.documents.selectors import case_documents
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from tests.cases.screens import World, actor, consent_for
from tests.documents import fixtures as f
from tests.documents.conftest import blobs, upload_file

pytestmark = pytest.mark.django_db


def upload(world: World, data: bytes, *, user: Any = None, **kwargs: Any) -> Document:
    kwargs.setdefault("title", "Verslag")
    kwargs.setdefault("category", DataCategory.ORDINARY)
    return services.upload_document(
        actor(user or world.owner),
        Case.objects.get(pk=world.case.pk),
        upload=upload_file(data),
        **kwargs,
    )


def visible_to(user: Any, case: Case) -> list[Document]:
    case = Case.objects.get(pk=case.pk)
    membership = actor(user).membership
    row = CaseRow(case, decide_case(user, membership, case))
    return [r.document for r in case_documents(row, user.pk)]


def test_at_rest_a_stored_file_is_ciphertext(world: World, media_root: Path) -> None:
    data = f.pdf("Verslag van het gesprek met Fenna")
    document = upload(world, data)
    assert document.status == Document.Status.STORED and document.kind == FileKind.PDF
    [blob] = blobs(media_root)
    raw = blob.read_bytes()
    assert b"%PDF" not in raw and b"Fenna" not in raw and raw != data
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert services.read_content(document) == data
    assert len(bytes(document.nonce)) == 12 and len(bytes(document.wrapped_key)) == 40
    log = AccessLogEntry.objects.get(action="upload", object_id=str(document.pk))
    assert log.outcome == "allowed" and log.data_categories == "ordinary"


def test_at_rest_a_blob_moved_to_another_name_does_not_decrypt(world: World) -> None:
    from cryptography.exceptions import InvalidTag
    from django.core.files.storage import default_storage

    one = upload(world, f.pdf("Een"))
    two = upload(world, f.pdf("Twee"))
    with default_storage.open(one.storage_name, "rb") as handle:
        ciphertext = handle.read()
    default_storage.delete(two.storage_name)
    default_storage.save(two.storage_name, __import__("io").BytesIO(ciphertext))
    with pytest.raises(InvalidTag):
        services.read_content(Document.objects.get(pk=two.pk))


@pytest.mark.parametrize("name", list(f.REFUSED))
def test_prv_08_refused_upload_stores_nothing_and_is_logged(
    world: World, media_root: Path, name: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        upload(world, f.REFUSED[name]())
    [error] = refused.value.error_dict["file"]
    assert error.code == f.REFUSED_CODES[name]
    assert Document.objects.count() == 0
    assert blobs(media_root) == []
    log = AccessLogEntry.objects.get(action="upload_refused")
    assert log.outcome == "denied" and log.reason == f.REFUSED_CODES[name]


def test_age_02_upload_with_bsn_is_held_for_the_uploader_only(world: World) -> None:
    consent_for(world.owner, world.case, [world.ggd], [DataCategory.ORDINARY])
    document = upload(world, f.pdf(f"BSN {f.VALID_BSN}"))
    assert document.status == Document.Status.PENDING and document.bsn_hits == 1
    assert visible_to(world.owner, world.case) == [document]
    assert visible_to(world.partner, world.case) == []
    assert AccessLogEntry.objects.get(action="upload_held").reason == "bsn_found"
    findings = services.pending_findings(document).findings
    assert len(findings) == 1 and f.VALID_BSN not in findings[0].context


def test_age_02_redact_replaces_the_file_and_removes_the_old_blob(
    world: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    document = upload(world, f.docx_file("Verslag", f"BSN: {f.VALID_BSN}"))
    [old_blob] = blobs(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        redacted = services.redact_pending(actor(world.owner), document)
    assert redacted.status == Document.Status.STORED and redacted.kind == FileKind.PDF
    assert redacted.redacted_at is not None and redacted.bsn_hits == 0
    [new_blob] = blobs(media_root)
    assert new_blob != old_blob
    text = pypdf_text(services.read_content(Document.objects.get(pk=document.pk)))
    assert "Verslag" in text and f.VALID_BSN not in text
    assert AccessLogEntry.objects.filter(action="redact").count() == 1


def test_age_02_only_the_uploader_decides_on_a_held_upload(world: World) -> None:
    document = upload(world, f.pdf(f"BSN {f.VALID_BSN}"))
    for decide in (services.redact_pending, services.cancel_pending):
        with pytest.raises(PermissionDenied):
            decide(actor(world.partner), document)
    with pytest.raises(ValidationError):
        services.confirm_no_bsn(actor(world.owner), document)  # a hit: redact or cancel


def test_age_02_cancel_deletes_row_and_blob(
    world: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    document = upload(world, f.pdf(f"BSN {f.VALID_BSN}"))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_pending(actor(world.owner), document)
    assert Document.objects.count() == 0
    assert blobs(media_root) == []
    assert AccessLogEntry.objects.filter(action="cancel_upload").count() == 1


@pytest.mark.parametrize("make", [f.scan_pdf, f.png, f.jpeg])
def test_age_02_scan_is_held_until_the_uploader_confirms(world: World, make: Any) -> None:
    document = upload(world, make())
    assert document.is_pending and document.needs_scan_confirmation
    confirmed = services.confirm_no_bsn(actor(world.owner), document)
    assert confirmed.status == Document.Status.STORED
    assert confirmed.scan_confirmed_by == world.owner and confirmed.scan_confirmed_at
    log = AccessLogEntry.objects.get(action="confirm_no_bsn")
    assert log.actor == world.owner and log.object_id == str(document.pk)


def test_atomicity_blob_is_removed_when_the_write_fails(
    world: World, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("injected failure after the blob was written")

    monkeypatch.setattr(services, "record_access", boom)
    with pytest.raises(RuntimeError):
        upload(world, f.pdf("Verslag"))
    assert Document.objects.count() == 0
    assert blobs(media_root) == []


def test_upload_rules(world: World, coordinator_b: Any, region: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        upload(world, f.pdf("x"), user=coordinator_b)  # not involved (ORG-04)
    with pytest.raises(ValidationError) as error:
        upload(world, f.pdf("x"), title=" ", category="nonsense", supplied_by=region["school_b"])
    assert set(error.value.error_dict) == {"title", "category", "supplied_by"}
    with pytest.raises(ValidationError) as error:
        upload(world, f.pdf("x"), title=f"Verslag {f.VALID_BSN}")
    assert "title" in error.value.error_dict  # AGE-02 also for the title
    Case.objects.filter(pk=world.case.pk).update(phase=Phase.CLOSED)
    with pytest.raises(PermissionDenied):
        upload(world, f.pdf("x"))
    assert Document.objects.count() == 0


def test_con_06_supplier_always_sees_its_own_document(world: World) -> None:
    # The GGD has no consent at all: it sees no category, but its own report.
    report = upload(world, f.pdf("Rapport"), user=world.partner, category=DataCategory.HEALTH)
    assert visible_to(world.partner, world.case) == [report]


def test_parents_control_health_report_needs_consent_or_mark(world: World) -> None:
    """Health/diagnostics beyond the supplier: only with consent covering it, or the mark."""
    report = upload(
        world,
        f.pdf("Psychologisch onderzoek"),
        user=world.partner,
        category=DataCategory.DIAGNOSTICS,
    )
    other = upload(world, f.pdf("Notitie"), user=world.partner, category=DataCategory.BEHAVIOUR)
    # The owner sees every category by its own task, but parents decide on this report.
    assert visible_to(world.owner, world.case) == [other]
    consent_for(world.owner, world.case, [world.region["school_a"]], [DataCategory.DIAGNOSTICS])
    assert report in visible_to(world.owner, world.case)


def test_parents_control_mark_shareable_by_a_manager(world: World) -> None:
    report = upload(world, f.pdf("Medisch"), user=world.partner, category=DataCategory.HEALTH)
    with pytest.raises(PermissionDenied):
        services.mark_shareable(
            actor(world.partner), report, marked_by="moeder", marked_on=timezone.localdate()
        )
    with pytest.raises(ValidationError):
        services.mark_shareable(
            actor(world.owner), report, marked_by=" ", marked_on=timezone.localdate()
        )
    services.mark_shareable(
        actor(world.owner), report, marked_by="moeder en Fenna (14)", marked_on=timezone.localdate()
    )
    report.refresh_from_db()
    assert report.shareable_recorded_by == world.owner
    assert report in visible_to(world.owner, world.case)
    services.unmark_shareable(actor(world.owner), report)
    assert report not in visible_to(world.owner, world.case)
    assert (
        AccessLogEntry.objects.filter(action__in=["mark_shareable", "unmark_shareable"]).count()
        == 2
    )


def test_parents_control_legal_ground_alone_does_not_open_a_health_report(world: World) -> None:
    """A statutory ground (CON-04) covers health, but parents decide on this report (CON-06)."""
    from passend.accounts.models import Role
    from tests.access.helpers import record_ground
    from tests.cases.screens import add_partner
    from tests.conftest import make_professional

    swv = world.region["swv"]
    ect = make_professional(swv, Role.ECT_MEMBER, username="ect-doc")
    add_partner(world.owner, world.case, ect, swv, Phase.ASSESSMENT)
    record_ground(world.case, swv, "extra_support", [DataCategory.HEALTH], world.owner)
    report = upload(world, f.pdf("Medisch"), user=world.partner, category=DataCategory.HEALTH)
    assert visible_to(ect, world.case) == []
    services.mark_shareable(
        actor(world.owner), report, marked_by="de ouders", marked_on=timezone.localdate()
    )
    assert visible_to(ect, world.case) == [report]


def test_cleanup_removes_abandoned_held_uploads_and_orphan_blobs(
    world: World, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from passend.documents.tasks import cleanup_abandoned_uploads

    old = upload(world, f.pdf(f"BSN {f.VALID_BSN}"))
    fresh = upload(world, f.pdf(f"BSN {f.VALID_BSN}"))
    stored = upload(world, f.pdf("Schoon"))
    Document.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now() - timezone.timedelta(days=2)
    )
    orphan = media_root / "documents" / "orphan.bin"
    orphan.write_bytes(b"left by a rolled-back transaction")
    two_days_ago = time.time() - 2 * 86400
    os.utime(orphan, (two_days_ago, two_days_ago))

    with django_capture_on_commit_callbacks(execute=True):
        result = cleanup_abandoned_uploads.enqueue()

    assert result.return_value == {"pending_deleted": 1, "orphans_deleted": 1}
    assert set(Document.objects.values_list("pk", flat=True)) == {fresh.pk, stored.pk}
    names = {p.name for p in blobs(media_root)}
    assert names == {Path(fresh.storage_name).name, Path(stored.storage_name).name}
    log = AccessLogEntry.objects.get(action="delete_abandoned")
    assert log.actor is None and log.object_id == str(old.pk)
