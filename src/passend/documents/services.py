"""Writes of the documents app: upload, hold, redact, confirm, cancel, share, clean up, rotate.

Every write is decided by ``passend.access`` and leaves an access-log entry in its own
transaction. The encrypted blob is written before the row; if anything fails after that, the
blob is removed again, so that a failed upload leaves nothing behind. A refused upload stores
nothing at all: it is only logged (outcome "denied", the reason code, never the content).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.access.actor import Actor
from passend.access.policy import PARENT_CONTROLLED_CATEGORIES, CaseAccess, decide_case
from passend.access.selectors import case_subject
from passend.accounts.models import Organisation
from passend.bsn_guard import ensure_no_bsn
from passend.cases.models import Case, Phase
from passend.documents import crypto, redaction, safety, scanning
from passend.documents.models import Document
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import record_access

ACTIVITY = "document_management"
STORAGE_DIR = "documents"
logger = logging.getLogger(__name__)


# --- Storage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredBlob:
    storage_name: str
    key_id: str
    wrapped_key: bytes
    nonce: bytes
    size: int
    sha256: str


def write_sealed(directory: str, data: bytes) -> StoredBlob:
    """Seals ``data`` under a fresh file key and stores it in ``directory`` under a random
    name (DESIGN.md "At rest"). Shared by every app that keeps encrypted files (documents, the
    application form, the FG's register PDFs)."""
    name = f"{directory}/{secrets.token_hex(20)}.bin"
    sealed = crypto.seal(data, name)
    saved = default_storage.save(name, ContentFile(sealed.ciphertext))
    if saved != name:  # the name is bound into the ciphertext; a renamed blob is useless
        default_storage.delete(saved)
        raise RuntimeError("storage renamed an encrypted blob")
    return StoredBlob(
        name, sealed.key_id, sealed.wrapped_key, sealed.nonce, len(data), _sha256(data)
    )


def read_sealed(row: Any) -> bytes:
    """The decrypted content of a row's blob (``storage_name``, ``nonce``, ``wrapped_key``,
    ``key_id``). Callers decide and log access first."""
    with default_storage.open(row.storage_name, "rb") as handle:
        ciphertext = handle.read()
    return crypto.unseal(
        ciphertext,
        nonce=bytes(row.nonce),
        wrapped_key=bytes(row.wrapped_key),
        key_id=row.key_id,
        storage_name=row.storage_name,
    )


def delete_sealed(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("encrypted blob could not be deleted; the daily clean-up retries")


def _write_blob(data: bytes) -> StoredBlob:
    return write_sealed(STORAGE_DIR, data)


_delete_blob = delete_sealed


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_content(document: Document) -> bytes:
    """The decrypted content. Callers decide and log access first (see selectors)."""
    return read_sealed(document)


def _with_blob_cleanup(blob: StoredBlob, write: Callable[[], Any]) -> Any:
    """Runs ``write`` in a transaction; removes the new blob if anything fails (atomicity)."""
    try:
        with transaction.atomic():
            return write()
    except BaseException:
        _delete_blob(blob.storage_name)
        raise


# --- Logging ---------------------------------------------------------------------------------


def _log(
    context: AccessContext,
    action: str,
    case: Case,
    *,
    document: Document | None = None,
    categories: Any = (),
    outcome: str = Outcome.ALLOWED,
    reason: str = "",
    legal_ground: str = "",
) -> None:
    record_access(
        context,
        action=action,
        activity=ACTIVITY,
        outcome=outcome,
        subject_pseudonym=case_subject(case),
        obj=document,
        object_type="documents.document" if document is None else "",
        object_id=f"case:{case.pk}" if document is None else "",
        data_categories=categories,
        legal_ground=legal_ground,
        reason=reason,
    )


# --- Upload ----------------------------------------------------------------------------------


def _access(actor: Actor, case: Case) -> CaseAccess:
    return decide_case(actor.user, actor.membership, case)


def uploadable_suppliers(case: Case) -> list[Organisation]:
    """The parties that can be named as supplier: the case's active participant organisations."""
    seen: dict[int, Organisation] = {}
    for participant in case.participants.all():
        if participant.ended_at is None:
            seen.setdefault(participant.organisation_id, participant.organisation)
    return sorted(seen.values(), key=lambda o: o.name)


def upload_document(
    actor: Actor,
    case: Case,
    *,
    upload: Any,
    title: str,
    category: str,
    phase: str = "",
    supplied_by: Organisation | None = None,
) -> Document:
    """Checks, scans and stores an upload (encrypted); held as pending when it needs a decision.

    AGE-02: a document with a BSN-like number, or a scan whose text cannot be checked, is held
    (``status=pending``, visible to the uploader only) until the uploader redacts, confirms or
    cancels. A refused upload raises ``ValidationError({"file": reason})`` and stores nothing.
    """
    access = _access(actor, case)
    if not access.allowed or case.phase == Phase.CLOSED or actor.membership is None:
        raise PermissionDenied(_("U kunt aan dit traject geen documenten toevoegen."))
    own = actor.membership.organisation
    supplier = supplied_by or own
    errors: dict[str, str] = {}
    if category not in DataCategory.values:
        errors["category"] = _("Kies bij „Gegevenscategorie” een categorie (AGE-01).")
    if not title.strip():
        errors["title"] = _("Vul „Titel” in.")
    if phase and (phase not in Phase.values or phase == Phase.CLOSED):
        errors["phase"] = _("Kies bij „Fase” een fase van het traject (CO-02).")
    if supplier.pk not in {o.pk for o in uploadable_suppliers(case)}:
        errors["supplied_by"] = _(
            "Kies bij „Aangeleverd door” een organisatie die deelneemt aan dit traject (CON-06)."
        )
    elif supplier.pk != own.pk and category in DataCategory.values and not access.can_see(category):
        errors["supplied_by"] = _(
            "U kunt alleen namens een andere partij een document aanleveren in een categorie die "
            "u zelf mag zien (CON-06)."
        )
    if upload is None:
        errors["file"] = _("Kies bij „Bestand” een bestand.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"title": title})

    try:
        data = safety.read_limited(upload, getattr(upload, "size", None))
        inspected = safety.inspect_upload(data)
        try:
            result = scanning.scan(inspected.kind, data)
        except Exception as error:  # a parser failing on untrusted input: refuse, never store
            raise safety.UploadRefused(
                "unreadable",
                _(
                    "De tekst van het bestand kan niet betrouwbaar worden gelezen, dus ook niet "
                    "worden gecontroleerd op een BSN (AGE-02). Sla het opnieuw op als PDF."
                ),
            ) from error
    except safety.UploadRefused as refusal:
        with transaction.atomic():
            _log(
                actor.context,
                "upload_refused",
                case,
                categories=[category],
                outcome=Outcome.DENIED,
                reason=refusal.code,
            )
        logger.info("document upload refused: %s", refusal.code)
        raise ValidationError(
            {"file": ValidationError(refusal.message, code=refusal.code)}
        ) from None

    held = bool(result.findings) or result.needs_confirmation
    blob = _write_blob(data)

    def write() -> Document:
        document = Document.objects.create(
            case=case,
            title=title.strip(),
            category=category,
            supplied_by=supplier,
            phase=phase,
            kind=inspected.kind,
            size=blob.size,
            sha256=blob.sha256,
            storage_name=blob.storage_name,
            key_id=blob.key_id,
            wrapped_key=blob.wrapped_key,
            nonce=blob.nonce,
            status=Document.Status.PENDING if held else Document.Status.STORED,
            bsn_hits=len(result.findings),
            needs_scan_confirmation=result.needs_confirmation,
            uploaded_by=actor.user,
        )
        _log(
            actor.context,
            "upload_held" if held else "upload",
            case,
            document=document,
            categories=[category],
            legal_ground=access.legal_ground_summary,
            reason=("bsn_found" if result.findings else "scan_to_confirm") if held else "",
        )
        return document

    document: Document = _with_blob_cleanup(blob, write)
    return document


# --- Held uploads: only the uploader decides --------------------------------------------------


def _require_uploader(actor: Actor, document: Document) -> None:
    if not document.is_pending or document.uploaded_by_id != actor.user.pk:
        raise PermissionDenied(_("Alleen wie het document uploadde, beslist hierover (AGE-02)."))
    if not _access(actor, document.case).allowed:
        raise PermissionDenied(_("U bent niet (meer) betrokken bij dit traject (ORG-04)."))


def pending_findings(document: Document) -> scanning.ScanResult:
    """The hits of a held upload, scanned again from the encrypted file (nothing kept in the DB)."""
    return scanning.scan(document.kind, read_content(document))


def redact_pending(actor: Actor, document: Document) -> Document:
    """Replaces a held upload by a redacted version in which the numbers are truly gone."""
    _require_uploader(actor, document)
    if document.bsn_hits == 0:
        raise ValidationError(
            _("In dit document is geen BSN gevonden; er valt niets weg te halen.")
        )
    try:
        redacted = redaction.redact(document.kind, read_content(document))
    except redaction.RedactionFailed as error:
        raise ValidationError(
            _(
                "Automatisch onkenbaar maken is niet gelukt. Annuleer de upload, verwijder het "
                "nummer in het originele document en upload het opnieuw (AGE-02)."
            ),
            code="redaction_failed",
        ) from error
    still_scan = scanning.scan(redacted.kind, redacted.data).needs_confirmation
    old_name = document.storage_name
    blob = _write_blob(redacted.data)

    def write() -> Document:
        document.kind = redacted.kind
        document.size = blob.size
        document.sha256 = blob.sha256
        document.storage_name = blob.storage_name
        document.key_id = blob.key_id
        document.wrapped_key = blob.wrapped_key
        document.nonce = blob.nonce
        document.bsn_hits = 0
        document.redacted_at = timezone.now()
        document.needs_scan_confirmation = still_scan
        if not still_scan:
            document.status = Document.Status.STORED
        document.save()
        _log(
            actor.context,
            "redact",
            document.case,
            document=document,
            categories=[document.category],
        )
        transaction.on_commit(partial(_delete_blob, old_name))
        return document

    result: Document = _with_blob_cleanup(blob, write)
    return result


@transaction.atomic
def confirm_no_bsn(actor: Actor, document: Document) -> Document:
    """AGE-02: the uploader confirms that a scan (no text layer) holds no BSN; logged."""
    _require_uploader(actor, document)
    if document.bsn_hits:
        raise ValidationError(
            _("In dit document is een BSN gevonden: maak het eerst onkenbaar of annuleer (AGE-02).")
        )
    if not document.needs_scan_confirmation:
        raise ValidationError(_("Dit document hoeft niet bevestigd te worden."))
    document.scan_confirmed_at = timezone.now()
    document.scan_confirmed_by = actor.user
    document.status = Document.Status.STORED
    document.save(update_fields=["scan_confirmed_at", "scan_confirmed_by", "status"])
    _log(
        actor.context,
        "confirm_no_bsn",
        document.case,
        document=document,
        categories=[document.category],
        reason="uploader confirmed the scan holds no BSN",
    )
    return document


@transaction.atomic
def cancel_pending(actor: Actor, document: Document) -> None:
    """The uploader cancels a held upload: row and encrypted file are deleted."""
    _require_uploader(actor, document)
    name = document.storage_name
    case = document.case
    _log(actor.context, "cancel_upload", case, document=document, categories=[document.category])
    document.delete()
    transaction.on_commit(partial(_delete_blob, name))


# --- Parents' control --------------------------------------------------------------------------


@transaction.atomic
def mark_shareable(
    actor: Actor, document: Document, *, marked_by: str, marked_on: date
) -> Document:
    """Records that the rights holder (AGE-03) lets this health/diagnostics report be shared.

    A manager of the case (procesregisseur, casusregisseur or owner) records it on behalf of the
    rights holder; the note says who decided and how.
    """
    access = _access(actor, document.case)
    if not access.can_manage:
        raise PermissionDenied(
            _("Alleen de procesregisseur, de casusregisseur of de eigenaar legt dit vast.")
        )
    if document.is_pending:
        raise PermissionDenied(_("Dit document wacht nog op een beslissing van de uploader."))
    errors: dict[str, str] = {}
    if document.category not in PARENT_CONTROLLED_CATEGORIES:
        errors["marked_by"] = _(
            "Alleen documenten over gezondheid of diagnostiek vragen een beslissing van ouders "
            "of jongere over delen."
        )
    if not marked_by.strip():
        errors["marked_by"] = _(
            "Vul bij „Wie gaf toestemming” in wie namens de leerling besliste (AGE-03)."
        )
    if marked_on > timezone.localdate():
        errors["marked_on"] = _("De datum bij „Datum” kan niet in de toekomst liggen.")
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"marked_by": marked_by})
    document.shareable_marked_by = marked_by.strip()
    document.shareable_marked_on = marked_on
    document.shareable_recorded_by = actor.user
    document.save(
        update_fields=["shareable_marked_by", "shareable_marked_on", "shareable_recorded_by"]
    )
    _log(
        actor.context,
        "mark_shareable",
        document.case,
        document=document,
        categories=[document.category],
    )
    return document


@transaction.atomic
def unmark_shareable(actor: Actor, document: Document) -> Document:
    """The rights holder withdraws the mark: from now on only consent opens the report."""
    if not _access(actor, document.case).can_manage:
        raise PermissionDenied(
            _("Alleen de procesregisseur, de casusregisseur of de eigenaar legt dit vast.")
        )
    document.shareable_marked_by = ""
    document.shareable_marked_on = None
    document.shareable_recorded_by = actor.user
    document.save(
        update_fields=["shareable_marked_by", "shareable_marked_on", "shareable_recorded_by"]
    )
    _log(
        actor.context,
        "unmark_shareable",
        document.case,
        document=document,
        categories=[document.category],
    )
    return document


# --- Housekeeping ------------------------------------------------------------------------------


def delete_abandoned(now: Any = None) -> dict[str, int]:
    """Deletes held uploads nobody decided on in time, and blobs without a row (daily task)."""
    now = now or timezone.now()
    limit = now - timedelta(hours=settings.PASSEND_DOCUMENT_PENDING_HOURS)
    context = AccessContext.system()
    deleted = 0
    for document in Document.objects.filter(
        status=Document.Status.PENDING, uploaded_at__lt=limit
    ).select_related("case"):
        with transaction.atomic():
            name = document.storage_name
            _log(
                context,
                "delete_abandoned",
                document.case,
                document=document,
                reason="held upload not decided in time",
            )
            document.delete()
            transaction.on_commit(partial(_delete_blob, name))
        deleted += 1
    return {
        "pending_deleted": deleted,
        "orphans_deleted": delete_orphan_blobs(STORAGE_DIR, Document, limit),
    }


def delete_orphan_blobs(directory: str, model: Any, older_than: Any) -> int:
    """Blobs in ``directory`` older than ``older_than`` that no row of ``model`` names by its
    ``storage_name``: their row never committed (e.g. an outer transaction rolled back).
    Shared by every app that stores encrypted blobs (documents, the application form)."""
    try:
        _dirs, files = default_storage.listdir(directory)
    except (FileNotFoundError, NotImplementedError):
        return 0
    names = {f"{directory}/{f}" for f in files}
    known = set(model.objects.filter(storage_name__in=names).values_list("storage_name", flat=True))
    removed = 0
    for name in sorted(names - known):
        if default_storage.get_modified_time(name) < older_than:
            _delete_blob(name)
            removed += 1
    return removed


def rotate_keys(*, batch_size: int = 500) -> int:
    """Re-wraps every file key under the current master key; content is not re-encrypted."""
    target = crypto.current_key_id()
    crypto.master_key(target)  # fail early when the new key is missing or malformed
    rotated = 0
    while True:
        batch = list(
            Document.objects.exclude(key_id=target).only("pk", "key_id", "wrapped_key")[:batch_size]
        )
        if not batch:
            return rotated
        with transaction.atomic():
            for document in batch:
                document.wrapped_key = crypto.rewrap(
                    bytes(document.wrapped_key), document.key_id, target
                )
                document.key_id = target
            Document.objects.bulk_update(batch, ["wrapped_key", "key_id"])
        rotated += len(batch)


# --- Retention (PRV-06) ------------------------------------------------------------------------


def delete_for_case(case_id: int) -> dict[str, int]:
    """Deletes every document of a case, rows now and encrypted blobs after the commit.

    Called by ``passend.retention`` inside its transaction, so a rolled-back purge keeps both
    the rows and the blobs. Returns counts only.
    """
    with transaction.atomic():
        documents = Document.objects.filter(case_id=case_id)
        names = list(documents.values_list("storage_name", flat=True))
        deleted, _per_model = documents.delete()
        for name in names:
            transaction.on_commit(partial(_delete_blob, name))
    return {"documents.document": deleted, "files": len(names)}


def delete_for_cases(case_ids: list[int]) -> dict[int, dict[str, int]]:
    """``delete_for_case`` for a batch of cases in a constant number of queries (the batched
    retention purge, issue 10). Returns counts per case id, no personal data."""
    counts: dict[int, dict[str, int]] = {}
    with transaction.atomic():
        documents = Document.objects.filter(case_id__in=case_ids)
        rows = list(documents.values_list("case_id", "storage_name"))
        documents.delete()
        for case_id, name in rows:
            per_case = counts.setdefault(case_id, {"documents.document": 0, "files": 0})
            per_case["documents.document"] += 1
            per_case["files"] += 1
            transaction.on_commit(partial(_delete_blob, name))
    return counts
