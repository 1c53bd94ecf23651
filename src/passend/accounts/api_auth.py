"""Token authentication for the API: hashed, expiring, revocable, tied to a membership."""

from __future__ import annotations

import functools
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from passend.accounts.models import ApiToken, hash_token
from passend.statements import Statement

KEYWORD = b"token"


@functools.cache
def _token_by_hash() -> Statement:
    """The token with its membership, organisation and user: read on every API request, so a
    statement written once (issue 10) rather than a queryset built per request."""
    return Statement(
        ApiToken,
        joins=("membership", "membership__organisation", "membership__user"),
        tail="WHERE t.key_hash = %s",
    )


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
        found = _token_by_hash().instances([hash_token(raw)])
        token = found[0] if found else None
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
