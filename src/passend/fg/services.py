"""Writes of the FG console: a register's PDF requested, built by the worker, read and purged
(ORG-05; issue 10). One transaction per call; the file is sealed like a document."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from passend.documents import services as document_services
from passend.fg import selectors
from passend.fg.models import RegisterName, RegisterPdf
from passend.privacy.context import AccessContext
from passend.privacy.services import record_access

logger = logging.getLogger(__name__)

ACTIVITY = "privacy_supervision"
STORAGE_DIR = "registers"


def request_register_pdf(
    context: AccessContext, user: Any, register: str
) -> tuple[RegisterPdf, bool]:
    """Asks the worker for a PDF of the register; ``(pdf, False)`` when one of the user's is
    still being made, so a second click does not queue a second build. The request is the
    access-log entry of the register's read (``fg_view``, as the page's)."""
    if register not in RegisterName.values:
        raise ValueError(f"unknown register {register!r}")
    with transaction.atomic():
        busy = next(
            (
                pdf
                for pdf in selectors.register_pdfs_of(user).filter(
                    register=register,
                    status__in=[RegisterPdf.Status.PENDING, RegisterPdf.Status.RUNNING],
                )
                if not pdf.is_interrupted
            ),
            None,
        )
        if busy is not None:
            return busy, False
        pdf = RegisterPdf.objects.create(register=register, requested_by=user)
        record_access(
            context,
            action="fg_view",
            activity=ACTIVITY,
            object_type="fg.registerpdf",
            object_id=str(pdf.pk),
            legal_ground=ACTIVITY,
            reason=f"register_{register}_pdf",
        )
        # The id only: no personal data in the queue.
        from passend.fg import tasks

        transaction.on_commit(partial(tasks.build_register_pdf.enqueue, pdf.pk))
    return pdf, True


def build_register_pdf(pdf_id: int) -> bool:
    """The worker's part: renders the register as it stands now, seals the file and stores it.
    False when the PDF is gone or another worker took it."""
    from passend.correspondence.letters import render_pdf

    claimed = RegisterPdf.objects.filter(pk=pdf_id, status=RegisterPdf.Status.PENDING).update(
        status=RegisterPdf.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    pdf = RegisterPdf.objects.get(pk=pdf_id)
    name = ""
    try:
        rows, _columns = selectors.register_rows(pdf.register)
        document = render_to_string(
            "fg/register_pdf.html", selectors.register_context(pdf.register, rows)
        )
        content = render_pdf(document)
        blob = document_services.write_sealed(STORAGE_DIR, content)
        name = blob.storage_name
        with transaction.atomic():
            RegisterPdf.objects.filter(pk=pdf_id).update(
                status=RegisterPdf.Status.DONE,
                storage_name=name,
                key_id=blob.key_id,
                wrapped_key=blob.wrapped_key,
                nonce=blob.nonce,
                size=blob.size,
                finished_at=timezone.now(),
            )
    except Exception as exc:
        if name:
            _delete_blob(name)
        RegisterPdf.objects.filter(pk=pdf_id).update(
            status=RegisterPdf.Status.FAILED, finished_at=timezone.now()
        )
        # The exception type only: its message could quote a name from the register.
        logger.error("register pdf %s failed: %s", pdf_id, type(exc).__name__)
        raise
    return True


def read_register_pdf(pdf: RegisterPdf) -> bytes:
    """The decrypted file. Callers check who asks and log the download first (views)."""
    return document_services.read_sealed(pdf)


def purge_register_pdfs(now: Any = None) -> dict[str, int]:
    """Deletes register PDFs past their ``AVAILABLE_HOURS`` (rows now, files after the commit)
    and files whose row never committed. Run daily (``manage.py purge_register_pdfs``)."""
    now = now or timezone.now()
    # The stray files first: an expired row's file is deleted after the commit below, and
    # inside a caller's transaction it would otherwise count as a stray one.
    orphans = document_services.delete_orphan_blobs(
        STORAGE_DIR, RegisterPdf, now - dt.timedelta(hours=1)
    )
    with transaction.atomic():
        expired = RegisterPdf.objects.filter(created_at__lt=selectors.available_since(now))
        names = [n for n in expired.values_list("storage_name", flat=True) if n]
        deleted, _per_model = expired.delete()
        for name in names:
            transaction.on_commit(partial(_delete_blob, name))
    return {"pdfs_deleted": deleted, "orphans_deleted": orphans}


_delete_blob = document_services.delete_sealed
