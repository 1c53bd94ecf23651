"""Document screens of a case, under /trajecten/<case_id>/documenten/.

Thin views: the case comes through ``access.selectors.get_case`` (policy + log), documents
through ``documents.selectors`` (per-document policy + log), every write through
``documents.services``. A case or document one may not see answers 404.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.access.policy import PARENT_CONTROLLED_CATEGORIES
from passend.cases.forms import apply_service_errors
from passend.cases.models import Phase
from passend.documents import forms, selectors, services
from passend.documents.models import Document, FileKind
from passend.pupils.models import AgePolicy
from passend.pupils.rights import rights_holders
from passend.pupils.selectors import guardians_of

CHUNK = 64 * 1024
INLINE_KINDS = frozenset({FileKind.PDF, FileKind.JPEG, FileKind.PNG})


def _list_url(case_id: int) -> str:
    return reverse("documents:list", args=[case_id])


def _upload_form(
    request: HttpRequest, row: access.CaseRow, data: object = None, files: object = None
) -> forms.UploadForm:
    membership = request.membership  # type: ignore[attr-defined]
    return forms.UploadForm(
        data,
        files,
        suppliers=services.uploadable_suppliers(row.case),
        own=membership.organisation,
    )


@require_http_methods(["GET", "POST"])
def document_list(request: HttpRequest, case_id: int) -> HttpResponse:
    """The documents the viewer may see, and the upload form (AGE-02, CON-06)."""
    row = access.get_case(request, case_id, action="upload" if request.method == "POST" else "view")
    can_upload = row.case.phase != Phase.CLOSED
    form = _upload_form(request, row)
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied(_("U kunt aan dit traject geen documenten toevoegen."))
        form = _upload_form(request, row, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = services.upload_document(
                    Actor.from_request(request),
                    row.case,
                    upload=data["file"],
                    title=data["title"],
                    category=data["category"],
                    phase=data["phase"],
                    supplied_by=data["supplied_by"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                if document.is_pending:
                    return HttpResponseRedirect(
                        reverse("documents:review", args=[row.case.pk, document.pk])
                    )
                messages.success(request, _("Het document is versleuteld opgeslagen."))
                return HttpResponseRedirect(_list_url(row.case.pk))
    rows = selectors.case_documents(row, request.user.pk)
    selectors.log_documents(request, row, rows)
    return render(
        request,
        "documents/document_list.html",
        {
            "row": row,
            "case": row.case,
            "documents": rows,
            "form": form,
            "can_upload": can_upload,
            "can_manage": row.access.can_manage,
            "parent_controlled": PARENT_CONTROLLED_CATEGORIES,
        },
    )


def _stream(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


def file_response(document: Document, data: bytes, *, inline: bool) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_stream(data), content_type=document.mime_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{document.download_name}"'
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    # Whatever the file holds, it runs nothing in our origin.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self' data:"
    return response


@require_http_methods(["GET"])
def download(request: HttpRequest, case_id: int, pk: int) -> StreamingHttpResponse:
    row = access.get_case(request, case_id, action="download")
    document = selectors.get_document(request, row, pk, action="download")
    return file_response(document, selectors.document_content(document), inline=False)


@require_http_methods(["GET"])
def preview(request: HttpRequest, case_id: int, pk: int) -> HttpResponse | StreamingHttpResponse:
    row = access.get_case(request, case_id, action="preview")
    document = selectors.get_document(request, row, pk, action="preview")
    if document.kind not in INLINE_KINDS:
        return HttpResponseRedirect(reverse("documents:download", args=[case_id, pk]))
    return file_response(document, selectors.document_content(document), inline=True)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, case_id: int, pk: int) -> HttpResponse:
    """A held upload (AGE-02): the uploader sees each hit and redacts, confirms or cancels."""
    row = access.get_case(request, case_id, action="review_upload")
    document = selectors.get_document(request, row, pk, action="review_upload")
    if not document.is_pending:
        return HttpResponseRedirect(_list_url(case_id))
    choices = [forms.DecisionForm.CANCEL]
    if document.bsn_hits and document.kind not in (FileKind.JPEG, FileKind.PNG):
        choices.insert(0, forms.DecisionForm.REDACT)
    elif document.needs_scan_confirmation:
        choices.insert(0, forms.DecisionForm.CONFIRM)
    form = forms.DecisionForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        decision = form.cleaned_data["decision"]
        try:
            if decision == forms.DecisionForm.CANCEL:
                services.cancel_pending(actor, document)
                messages.success(
                    request, _("De upload is geannuleerd en het bestand is verwijderd.")
                )
                return HttpResponseRedirect(_list_url(case_id))
            if decision == forms.DecisionForm.REDACT:
                document = services.redact_pending(actor, document)
                messages.success(
                    request,
                    _("De nummers zijn onkenbaar gemaakt: ze staan niet meer in het document."),
                )
            else:
                document = services.confirm_no_bsn(actor, document)
                messages.success(
                    request, _("Uw bevestiging is vastgelegd; het document is opgeslagen.")
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if document.is_pending:
                return HttpResponseRedirect(reverse("documents:review", args=[case_id, pk]))
            return HttpResponseRedirect(_list_url(case_id))
    result = services.pending_findings(document)
    return render(
        request,
        "documents/review.html",
        {
            "row": row,
            "case": row.case,
            "document": document,
            "result": result,
            "form": form,
            "choices": choices,
        },
    )


@require_http_methods(["GET", "POST"])
def shareable(request: HttpRequest, case_id: int, pk: int) -> HttpResponse:
    """Parents' control: record that the rights holder lets this report be shared (AGE-03)."""
    row = access.get_case(request, case_id, action="mark_shareable")
    document = selectors.get_document(request, row, pk, action="mark_shareable")
    if not row.access.can_manage or document.category not in PARENT_CONTROLLED_CATEGORIES:
        raise PermissionDenied(
            _("Alleen de procesregisseur, de casusregisseur of de eigenaar legt dit vast.")
        )
    form = forms.ShareableForm(request.POST or None, initial={"marked_on": timezone.localdate()})
    if request.method == "POST":
        actor = Actor.from_request(request)
        if "withdraw" in request.POST:
            services.unmark_shareable(actor, document)
            messages.success(
                request, _("Het document wordt niet langer zonder toestemming gedeeld.")
            )
            return HttpResponseRedirect(_list_url(case_id))
        if form.is_valid():
            try:
                services.mark_shareable(actor, document, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Vastgelegd: dit document mag worden gedeeld."))
                return HttpResponseRedirect(_list_url(case_id))
    pupil = row.case.pupil if not row.case.is_anonymous else None
    who_decides = (
        rights_holders(
            pupil, guardians_of(pupil), timezone.localdate(), AgePolicy.current()
        ).describe()
        if pupil is not None
        else ""
    )
    return render(
        request,
        "documents/shareable.html",
        {
            "row": row,
            "case": row.case,
            "document": document,
            "form": form,
            "who_decides": who_decides,
        },
    )
