"""Reads of documents. Every function starts from a ``CaseRow`` that ``access.get_case`` decided
and logged, applies ``access.policy.can_see_document`` per document and logs what it shows.

A held upload (pending) is visible to its uploader only. A document the viewer may not see is
answered as "not found" and the denial is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from passend.access.policy import can_see_document, consent_categories
from passend.access.selectors import CaseRow, case_subject
from passend.documents.models import Document
from passend.documents.services import ACTIVITY, read_content
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import LogItem, record_access, record_access_many


@dataclass(frozen=True)
class DocumentRow:
    document: Document
    is_own_upload: bool


def _visible(
    row: CaseRow, user_id: int | None, document: Document, covered: frozenset[str]
) -> bool:
    if document.is_pending:
        return document.uploaded_by_id == user_id
    return can_see_document(row.access, document, covered)


def case_documents(row: CaseRow, user_id: int | None) -> list[DocumentRow]:
    """The documents of an authorised case that this viewer may see, newest first (2 queries)."""
    covered = consent_categories(row.access)
    documents = (
        Document.objects.filter(case=row.case)
        .select_related("supplied_by", "uploaded_by")
        .defer("wrapped_key", "nonce")
    )
    return [
        DocumentRow(d, d.uploaded_by_id == user_id)
        for d in documents
        if _visible(row, user_id, d, covered)
    ]


def log_documents(request: HttpRequest, row: CaseRow, rows: list[DocumentRow]) -> None:
    record_access_many(
        AccessContext.from_request(request),
        [
            LogItem(
                subject_pseudonym=case_subject(row.case),
                object_type="documents.document",
                object_id=str(r.document.pk),
                data_categories=(r.document.category,),
                legal_ground=row.access.legal_ground_summary,
            )
            for r in rows
        ],
        action="list",
        activity=ACTIVITY,
    )


def get_document(
    request: HttpRequest, row: CaseRow, document_id: object, *, action: str
) -> Document:
    """One document of the case for this viewer, or Http404; logged either way."""
    context = AccessContext.from_request(request)
    try:
        pk = int(str(document_id))
    except ValueError:
        pk = 0
    document = (
        Document.objects.filter(case=row.case, pk=pk).select_related("case", "supplied_by").first()
        if 0 < pk < 2**63
        else None
    )
    user_id = request.user.pk
    if document is None or not _visible(row, user_id, document, consent_categories(row.access)):
        record_access(
            context,
            action=action,
            activity=ACTIVITY,
            outcome=Outcome.DENIED,
            subject_pseudonym=case_subject(row.case),
            object_type="documents.document",
            object_id=str(document_id)[:64],
            reason="does not exist" if document is None else "not visible (CON-06)",
        )
        raise Http404
    record_access(
        context,
        action=action,
        activity=ACTIVITY,
        subject_pseudonym=case_subject(row.case),
        obj=document,
        data_categories=[document.category],
        legal_ground=row.access.legal_ground_summary,
    )
    return document


def document_content(document: Document) -> bytes:
    """Decrypted content of a document already returned by ``get_document``."""
    return read_content(document)
