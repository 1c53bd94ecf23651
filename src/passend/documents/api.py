"""Documents API (/api/v1/cases/{case_id}/documents/): same policy, services and log as the screens.

Upload is multipart. A document with a BSN-like number, or a scan to confirm, answers 202 with
``status: pending`` and the hits (number masked); the uploader then calls ``redact``,
``confirm`` or DELETE (cancel). A refused upload answers 400 with the Dutch reason under
``file``; a case or document the caller may not see answers 404 (logged).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.bsn_guard import BsnGuardSerializerMixin
from passend.cases.api import call_service
from passend.cases.models import Phase
from passend.documents import selectors, services
from passend.documents.models import Document, FileKind
from passend.documents.views import file_response
from passend.privacy.categories import DataCategory

SUPPLIER_MESSAGE = _(
    "Kies bij „Aangeleverd door” een organisatie die deelneemt aan dit traject (CON-06)."
)
NOT_FOUND = OpenApiResponse(
    description="No such case or document, or the caller may not see it (logged)."
)


class FindingSerializer(serializers.Serializer):
    page = serializers.IntegerField(allow_null=True)
    where = serializers.CharField()
    kind = serializers.CharField()
    confidence = serializers.ChoiceField(choices=["high", "medium", "low"])
    excerpt = serializers.CharField(help_text="Text around the hit, every number masked.")


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    category = serializers.ChoiceField(choices=DataCategory.choices)
    supplied_by = serializers.DictField()
    phase = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=FileKind.choices)
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    status = serializers.CharField(
        help_text="`stored`, or `pending`: held for the uploader's decision (AGE-02)."
    )
    uploaded_at = serializers.DateTimeField()
    redacted = serializers.BooleanField()
    shareable_marked_on = serializers.DateField(allow_null=True)
    needs_scan_confirmation = serializers.BooleanField()
    findings = FindingSerializer(many=True, required=False)


class UploadSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=DataCategory.choices)
    phase = serializers.ChoiceField(
        choices=[c for c in Phase.choices if c[0] != Phase.CLOSED], required=False, allow_blank=True
    )
    supplied_by = serializers.IntegerField(
        required=False, help_text="Organisation id; default the caller's organisation (CON-06)."
    )


def document_body(document: Document, *, with_findings: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": document.pk,
        "title": document.title,
        "category": document.category,
        "supplied_by": {"id": document.supplied_by_id, "name": document.supplied_by.name},
        "phase": document.phase,
        "kind": document.kind,
        "size": document.size,
        "sha256": document.sha256,
        "status": document.status,
        "uploaded_at": document.uploaded_at,
        "redacted": document.redacted_at is not None,
        "shareable_marked_on": document.shareable_marked_on,
        "needs_scan_confirmation": document.needs_scan_confirmation,
    }
    if with_findings and document.is_pending:
        body["findings"] = [
            {
                "page": f.page,
                "where": f.where,
                "kind": f.kind,
                "confidence": f.confidence,
                "excerpt": f.context,
            }
            for f in services.pending_findings(document).findings
        ]
    return body


@extend_schema_view(
    list=extend_schema(
        summary="Documents of a case",
        description="The documents the caller may see (category or own supply, CON-06; health "
        "and diagnostics only with consent or the rights holder's mark). Each is logged.",
        responses={200: DocumentSerializer(many=True), 404: NOT_FOUND},
        tags=["documents"],
    ),
    retrieve=extend_schema(
        summary="One document (metadata)",
        description="For a held upload (pending) the uploader also gets the hits, number masked.",
        responses={200: DocumentSerializer, 404: NOT_FOUND},
        tags=["documents"],
    ),
    create=extend_schema(
        summary="Upload a document (multipart)",
        description="Checked by content (PDF, DOCX, ODT, TXT, JPEG, PNG), scanned for BSNs "
        "(AGE-02) and stored encrypted. 201 when stored; 202 when held (BSN found or a scan to "
        "confirm); 400 with the Dutch reason when refused (nothing is stored).",
        request={"multipart/form-data": UploadSerializer},
        responses={201: DocumentSerializer, 202: DocumentSerializer, 404: NOT_FOUND},
        tags=["documents"],
    ),
    destroy=extend_schema(
        summary="Cancel a held upload",
        description="Only the uploader, only while pending: the file and its row are deleted.",
        responses={204: None, 404: NOT_FOUND},
        tags=["documents"],
    ),
)
class DocumentViewSet(viewsets.GenericViewSet):
    queryset = Document.objects.none()  # the real reads go through passend.documents.selectors
    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    lookup_value_regex = "[0-9]+"
    pagination_class = None

    def _case(self, request: Request, case_id: str, name: str) -> access.CaseRow:
        return access.get_case(request, case_id, action=name)

    def list(self, request: Request, case_id: str) -> Response:
        row = self._case(request, case_id, "view")
        rows = selectors.case_documents(row, request.user.pk)
        selectors.log_documents(request, row, rows)
        return Response([document_body(r.document) for r in rows])

    def retrieve(self, request: Request, case_id: str, pk: str) -> Response:
        row = self._case(request, case_id, "view")
        document = selectors.get_document(request, row, pk, action="view")
        return Response(document_body(document, with_findings=True))

    def create(self, request: Request, case_id: str) -> Response:
        row = self._case(request, case_id, "upload")
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        supplier = None
        if data.get("supplied_by") is not None:
            supplier = next(
                (o for o in services.uploadable_suppliers(row.case) if o.pk == data["supplied_by"]),
                None,
            )
            if supplier is None:
                raise serializers.ValidationError({"supplied_by": [str(SUPPLIER_MESSAGE)]})
        document = call_service(
            services.upload_document,
            Actor.from_request(request),
            row.case,
            upload=data["file"],
            title=data["title"],
            category=data["category"],
            phase=data.get("phase", ""),
            supplied_by=supplier,
        )
        code = status.HTTP_202_ACCEPTED if document.is_pending else status.HTTP_201_CREATED
        return Response(document_body(document, with_findings=True), status=code)

    def destroy(self, request: Request, case_id: str, pk: str) -> Response:
        row = self._case(request, case_id, "cancel_upload")
        document = selectors.get_document(request, row, pk, action="cancel_upload")
        if not document.is_pending:
            raise Http404
        call_service(services.cancel_pending, Actor.from_request(request), document)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Download",
        description="The decrypted file as an attachment under a server-generated name.",
        responses={(200, "application/octet-stream"): bytes, 404: NOT_FOUND},
        tags=["documents"],
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, case_id: str, pk: str) -> StreamingHttpResponse:
        row = self._case(request, case_id, "download")
        document = selectors.get_document(request, row, pk, action="download")
        if document.is_pending:
            raise Http404
        return file_response(document, selectors.document_content(document), inline=False)

    @extend_schema(
        summary="Redact a held upload",
        description="AGE-02: removes every BSN-like number for real (text re-extracted to check).",
        request=None,
        responses={200: DocumentSerializer, 404: NOT_FOUND},
        tags=["documents"],
    )
    @action(detail=True, methods=["post"])
    def redact(self, request: Request, case_id: str, pk: str) -> Response:
        row = self._case(request, case_id, "redact")
        document = selectors.get_document(request, row, pk, action="redact")
        document = call_service(services.redact_pending, Actor.from_request(request), document)
        return Response(document_body(document, with_findings=True))

    @extend_schema(
        summary="Confirm a scan holds no BSN",
        description="AGE-02: for a held upload without a text layer; the confirmation is logged.",
        request=None,
        responses={200: DocumentSerializer, 404: NOT_FOUND},
        tags=["documents"],
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, case_id: str, pk: str) -> Response:
        row = self._case(request, case_id, "confirm_no_bsn")
        document = selectors.get_document(request, row, pk, action="confirm_no_bsn")
        document = call_service(services.confirm_no_bsn, Actor.from_request(request), document)
        return Response(document_body(document))
