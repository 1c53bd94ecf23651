"""Informatiepunt API (/api/v1/inquiries/): read-only, the same scoping and logging as the
screens (INF-01). Not visible: 404 (logged)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from passend.inquiries import selectors
from passend.inquiries.models import Inquiry, InquiryKind


class InquirySummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="question or complaint")
    channel = serializers.CharField()
    topic = serializers.CharField()
    status = serializers.CharField(help_text="One of: " + ", ".join(Inquiry.Status.values))
    received_on = serializers.DateField()
    due_date = serializers.DateField()
    overdue = serializers.BooleanField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    assigned_to = serializers.IntegerField(allow_null=True)


class InquiryEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()


class InquiryDetailSerializer(InquirySummarySerializer):
    question = serializers.CharField()
    answer = serializers.CharField(allow_blank=True)
    referred_to = serializers.CharField(allow_blank=True)
    contact_role = serializers.CharField()
    contact_name = serializers.CharField()
    contact_email = serializers.CharField(allow_blank=True)
    contact_phone = serializers.CharField(allow_blank=True)
    organisation = serializers.IntegerField(allow_null=True)
    case = serializers.IntegerField(allow_null=True)
    case_reference = serializers.CharField(allow_blank=True)
    events = InquiryEventSerializer(many=True)
    history = serializers.ListField(child=serializers.IntegerField())


def _summary(inquiry: Inquiry) -> dict[str, Any]:
    return {
        "id": inquiry.pk,
        "kind": inquiry.kind,
        "channel": inquiry.channel,
        "topic": inquiry.topic,
        "status": inquiry.status,
        "received_on": inquiry.received_on,
        "due_date": inquiry.due_date,
        "overdue": selectors.is_overdue(inquiry),
        "escalated_at": inquiry.escalated_at,
        "assigned_to": inquiry.assigned_to_id,
    }


@extend_schema_view(
    list=extend_schema(
        summary="Informatiepunt queue",
        description="Questions and complaints of the caller's SWV (information desk and "
        "director: all; others: assigned to them), by due date. Each row is logged (INF-01).",
        parameters=[
            OpenApiParameter("status", enum=Inquiry.Status.values, required=False),
            OpenApiParameter("kind", enum=InquiryKind.values, required=False),
            OpenApiParameter("overdue", type=bool, required=False),
        ],
        responses={200: InquirySummarySerializer(many=True)},
        tags=["inquiries"],
    ),
    retrieve=extend_schema(
        summary="One inquiry",
        description="With its history (events) and the ids of the same contact's other "
        "inquiries. Logged; 404 when not visible.",
        responses={200: InquiryDetailSerializer},
        tags=["inquiries"],
    ),
)
class InquiryViewSet(viewsets.GenericViewSet):
    queryset = Inquiry.objects.none()  # reads go through passend.inquiries.selectors
    serializer_class = InquirySummarySerializer
    pagination_class = None
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Inquiry]:
        return Inquiry.objects.none()

    def list(self, request: Request) -> Response:
        params = request.query_params
        status, kind = params.get("status", ""), params.get("kind", "")
        errors = {}
        if status and status not in Inquiry.Status.values:
            errors["status"] = ["Onbekende status."]
        if kind and kind not in InquiryKind.values:
            errors["kind"] = ["Onbekende soort."]
        if errors:
            raise serializers.ValidationError(errors)
        rows = selectors.queue(
            request,
            status=status,
            kind=kind,
            overdue=params.get("overdue", "").lower() in ("1", "true", "yes"),
        )
        return Response(InquirySummarySerializer([_summary(i) for i in rows], many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        inquiry = selectors.get_inquiry(request, pk)
        info = selectors.detail(request, inquiry)
        body = {
            **_summary(inquiry),
            "question": inquiry.question,
            "answer": inquiry.answer,
            "referred_to": inquiry.referred_to,
            "contact_role": inquiry.contact_role,
            "contact_name": inquiry.contact_name,
            "contact_email": inquiry.contact_email,
            "contact_phone": inquiry.contact_phone,
            "organisation": inquiry.organisation_id,
            "case": inquiry.case_id,
            "case_reference": inquiry.case_reference,
            "events": [{"kind": e.kind, "note": e.note, "at": e.at} for e in info.events],
            "history": [h.pk for h in info.history],
        }
        return Response(InquiryDetailSerializer(body).data)
