"""Token authentication for the API: hashed, expiring, revocable, tied to a membership."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from passend.accounts.models import ApiToken, hash_token

KEYWORD = b"token"


class HashedTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>``. Sets ``request.membership`` like the web session does."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Ongeldige Authorization-header."))
        try:
            raw = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Ongeldig token.")) from None
        token = (
            ApiToken.objects.select_related("membership__organisation", "membership__user")
            .filter(key_hash=hash_token(raw))
            .first()
        )
        if token is None or not token.is_usable():
            raise exceptions.AuthenticationFailed(_("Token ongeldig, verlopen of ingetrokken."))
        membership = token.membership
        if not membership.is_current() or not membership.user.is_active:
            raise exceptions.AuthenticationFailed(_("Het lidmaatschap van dit token is beëindigd."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        request._request.membership = membership  # type: ignore[attr-defined]
        return membership.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Token"
