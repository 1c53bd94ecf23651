"""Reads of the accounts app."""

from __future__ import annotations

from typing import Any

from django_otp import devices_for_user

from passend.accounts.models import Membership


def is_verified(user: Any) -> bool:
    """Signed in with a password and a second factor in this session (django-otp)."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


def has_confirmed_device(user: Any) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def current_memberships(user: Any) -> list[Membership]:
    return list(Membership.objects.active().filter(user=user).select_related("organisation"))


def current_membership(user: Any, membership_id: int | str | None) -> Membership | None:
    if not membership_id:
        return None
    return (
        Membership.objects.active()
        .filter(user=user, pk=membership_id)
        .select_related("organisation")
        .first()
    )


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
