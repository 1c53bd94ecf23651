"""API views of the accounts app: who the caller is and which membership the token acts for."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from passend.accounts.models import ApiToken, Membership, OrganisationKind, Role


class HashedTokenScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Token <key>`` in the OpenAPI schema."""

    target_class = "passend.accounts.api_auth.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Token issued with `manage.py issue_api_token`, sent as "
                "`Authorization: Token <key>`. Each token acts for one membership "
                "(organisation and role), expires and can be revoked."
            ),
        }


class OrganisationSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(
        choices=OrganisationKind.choices, read_only=True, help_text="Organisation kind (ORG-01)."
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)


class MembershipSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True, help_text="Role (ORG-02).")
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    function_title = serializers.CharField(read_only=True)
    valid_from = serializers.DateField(read_only=True)
    valid_until = serializers.DateField(read_only=True, allow_null=True)
    organisation = OrganisationSummarySerializer(read_only=True)


class TokenSummarySerializer(serializers.Serializer):
    prefix = serializers.CharField(read_only=True, help_text="First characters of the token.")
    name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class MeSerializer(serializers.Serializer):
    """The caller: the user, the membership the token acts for, and the token itself."""

    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    membership = MembershipSummarySerializer(read_only=True)
    token = TokenSummarySerializer(read_only=True)


class MeView(APIView):
    """Who am I? Account data of the caller only; never case data."""

    @extend_schema(
        operation_id="me_retrieve",
        summary="Current user and acting membership",
        description=(
            "Returns the user the token belongs to, the membership (organisation and role) "
            "the token acts for (ORG-02) and the token's expiry. Contains no case data."
        ),
        responses={
            200: MeSerializer,
            401: OpenApiResponse(
                description="No token, or the token is unknown, expired or revoked, "
                "or its membership has ended."
            ),
        },
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        membership: Membership = request.membership  # type: ignore[attr-defined]
        token: ApiToken = request.auth  # type: ignore[assignment]
        user = request.user
        data = {
            "username": user.get_username(),
            "full_name": user.get_full_name(),  # type: ignore[union-attr]
            "email": user.email,  # type: ignore[union-attr]
            "membership": membership,
            "token": token,
        }
        return Response(MeSerializer(data).data)
