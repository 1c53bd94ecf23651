"""Reads of the accounts app."""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection
from django.utils import timezone
from django_otp import devices_for_user

from passend.accounts.models import Membership
from passend.statements import Statement


def is_verified(user: Any) -> bool:
    """Signed in with a password and a second factor in this session (django-otp)."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


def has_confirmed_device(user: Any) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def current_memberships(user: Any) -> list[Membership]:
    return list(Membership.objects.active().filter(user=user).select_related("organisation"))


@functools.cache
def _active_membership() -> Statement:
    """``Membership.objects.active(on)`` for one membership of one user, with its organisation
    (ORG-02); parameters: membership, user, true, day, day, true. Held to ``active()`` by
    ``tests/accounts/test_request_reads.py``."""
    return Statement(
        Membership,
        joins=("organisation",),
        tail=(
            "WHERE t.id = %s AND t.user_id = %s AND t.is_active = %s AND t.valid_from <= %s "
            "AND (t.valid_until IS NULL OR t.valid_until >= %s) AND j0.is_active = %s"
        ),
    )


def current_membership(user: Any, membership_id: int | str | None) -> Membership | None:
    """The membership the user chose to act in, while it is active (ORG-02). Read on every
    request (``ActingMembershipMiddleware``), so by a statement written once (issue 10)."""
    if not membership_id or getattr(user, "pk", None) is None:
        return None
    try:
        key = int(membership_id)
    except (TypeError, ValueError):
        return None
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    found = _active_membership().instances([key, user.pk, True, today, today, True])
    return found[0] if found else None


def second_factor_status(user: Any) -> dict[str, Any]:
    """What the "Tweede factor beheren" page shows: no secrets, only facts."""
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    authenticator = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    return {
        "authenticator": authenticator,
        "backup_codes_left": StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
    }
