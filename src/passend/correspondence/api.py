"""Messages per case (/api/v1/cases/{id}/messages/): same policy, services and log as screens."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from passend.access import selectors as access
from passend.access.actor import Actor
from passend.bsn_guard import BsnGuardSerializerMixin
from passend.cases.api import BAD_REQUEST, NOT_FOUND, call_service
from passend.correspondence import selectors, services
from passend.privacy.categories import DataCategory


class MessageOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField()
    category = serializers.CharField()
    sender = serializers.CharField()
    sender_organisation_id = serializers.IntegerField()
    to_organisation_id = serializers.IntegerField(allow_null=True)
    sent_at = serializers.DateTimeField()


class MessageInSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    """A new message in a case (module c)."""

    subject = serializers.CharField(max_length=200)
    body = serializers.CharField()
    category = serializers.ChoiceField(choices=DataCategory.choices, default=DataCategory.ORDINARY)
    to_organisation_id = serializers.IntegerField(required=False, allow_null=True)


def _message(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "subject": m.subject,
        "body": m.body,
        "category": m.category,
        "sender": m.sender.get_full_name() or m.sender.get_username(),
        "sender_organisation_id": m.sender_organisation_id,
        "to_organisation_id": m.to_organisation_id,
        "sent_at": m.sent_at,
    }


class CaseMessagesView(APIView):
    @extend_schema(
        summary="Messages of a case",
        description="Messages the caller may read: addressed to them and in a category they "
        "see. 404 when the caller may not see the case. Logged.",
        responses={200: MessageOutSerializer(many=True), 404: NOT_FOUND},
        tags=["correspondence"],
    )
    def get(self, request: Request, case_id: int) -> Response:
        row = access.get_case(request, case_id)
        return Response([_message(m) for m in selectors.visible_messages(row)])

    @extend_schema(
        summary="Send a message in a case",
        description="A secure message to the participants of the case (or one organisation of "
        "it). Recipients get an e-mail without content, with a link (CO-04).",
        request=MessageInSerializer,
        responses={201: MessageOutSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=["correspondence"],
    )
    def post(self, request: Request, case_id: int) -> Response:
        row = access.get_case(request, case_id, action="send_message")
        serializer = MessageInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        to_organisation = None
        if data.get("to_organisation_id"):
            to_organisation = next(
                (
                    p.organisation
                    for p in row.case.participants.all()
                    if p.organisation_id == data["to_organisation_id"] and p.ended_at is None
                ),
                None,
            )
            if to_organisation is None:
                raise serializers.ValidationError(
                    {
                        "to_organisation_id": [
                            "Deze organisatie neemt niet deel aan het traject (ORG-04)."
                        ]
                    }
                )
        message = call_service(
            services.send_message,
            Actor.from_request(request),
            row.case,
            subject=data["subject"],
            body=data["body"],
            category=data["category"],
            to_organisation=to_organisation,
        )
        return Response(_message(message), status=status.HTTP_201_CREATED)
