"""Writes of the accounts app: second-factor devices, memberships, API tokens."""

from __future__ import annotations

import enum
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.accounts.models import ApiToken, Membership, hash_token
from passend.privacy.context import AccessContext
from passend.privacy.models import Outcome
from passend.privacy.services import record_access

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator-app"
BACKUP_DEVICE_NAME = "Reservecodes"


class SecondFactorResult(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    THROTTLED = "throttled"


def normalise_token(raw: str) -> str:
    """Spaces and dashes are typing aids; backup codes are lower case."""
    return "".join(ch for ch in raw if ch not in " -\t").lower()


def is_totp_shaped(token: str) -> bool:
    return len(token) == 6 and token.isdigit()


def pending_totp_device(user: Any) -> TOTPDevice:
    """The unconfirmed TOTP device a user is setting up (created on first visit).

    Shown again (same secret) until it is confirmed, so a reload does not invalidate a scan.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def verify_second_factor(user: Any, token: str) -> tuple[SecondFactorResult, Device | None]:
    """Checks a TOTP code or a one-time backup code against the user's confirmed devices.

    A six-digit code is tried on the authenticator only, anything else on the backup codes
    only, so that each device keeps its own throttle (django-otp: exponential back-off) and a
    TOTP code can never be used twice (django-otp remembers the last accepted time step).
    A backup code is deleted when it is used.
    """
    token = normalise_token(token)
    if not token:
        return SecondFactorResult.WRONG, None
    model: type[Device] = TOTPDevice if is_totp_shaped(token) else StaticDevice
    throttled = False
    with transaction.atomic():
        devices = model.objects.filter(user=user, confirmed=True).select_for_update()
        for device in devices:
            allowed, _data = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(token):
                return SecondFactorResult.OK, device
    return (SecondFactorResult.THROTTLED if throttled else SecondFactorResult.WRONG), None


@transaction.atomic
def confirm_totp_device(context: AccessContext, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms a first authenticator with a code from it and issues one-time backup codes.

    Returns the backup codes (shown once), or ``None`` when the code is wrong; both outcomes
    are logged (PRV-08).
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(normalise_token(token)):
        record_access(
            context,
            action="2fa_setup_failed",
            activity="authentication",
            outcome=Outcome.DENIED,
            obj=device.user,
        )
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = regenerate_backup_codes_unlogged(device.user)
    record_access(context, action="2fa_totp_enabled", activity="authentication", obj=device.user)
    return codes


@transaction.atomic
def replace_totp_device(context: AccessContext, device: TOTPDevice, token: str) -> bool:
    """Re-enrolment: a new authenticator replaces the old one once a code from it checks out.

    The old authenticator stops working at once; backup codes are kept. Logged either way.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(normalise_token(token)):
        record_access(
            context,
            action="2fa_totp_replace_failed",
            activity="authentication",
            outcome=Outcome.DENIED,
            obj=device.user,
        )
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_access(context, action="2fa_totp_replaced", activity="authentication", obj=device.user)
    return True


def discard_pending_totp_devices(user: Any) -> None:
    """Forget a half-finished re-enrolment, so the next one starts with a fresh secret."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()


def regenerate_backup_codes_unlogged(user: Any) -> list[str]:
    """For the demo loader and :func:`confirm_totp_device`; callers log the change themselves."""
    static, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME)
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


@transaction.atomic
def regenerate_backup_codes(context: AccessContext, user: Any) -> list[str]:
    """New backup codes replace all old ones (the old ones stop working at once)."""
    codes = regenerate_backup_codes_unlogged(user)
    record_access(context, action="2fa_backup_codes_renewed", activity="authentication", obj=user)
    return codes


@transaction.atomic
def change_password(context: AccessContext, form: Any) -> None:
    """Saves a validated ``PasswordChangeForm`` and logs it; devices are left untouched."""
    form.save()
    record_access(context, action="password_changed", activity="authentication", obj=form.user)


def log_authentication_event(
    context: AccessContext,
    user: Any,
    action: str,
    *,
    denied: bool = False,
    obj: Any = None,
    reason: str = "",
) -> None:
    """An access-log entry for a login step or a refused change (PRV-08).

    The actor is the user concerned even before the login is complete.
    """
    record_access(
        AccessContext(
            user=user,
            organisation_id=context.organisation_id,
            role=context.role,
            ip_address=context.ip_address,
            trace_id=context.trace_id,
        ),
        action=action,
        activity="authentication",
        outcome=Outcome.DENIED if denied else Outcome.ALLOWED,
        obj=obj if obj is not None else user,
        reason=reason,
    )


@transaction.atomic
def issue_api_token(
    context: AccessContext,
    membership: Membership,
    name: str = "",
    lifetime: timedelta | None = None,
) -> tuple[ApiToken, str]:
    """Creates a token and returns it with the raw key, which is shown once and never stored.

    A token acts for one current membership (ORG-02); an ended membership or an inactive user
    gets none, and a lifetime must be positive.
    """
    if not membership.is_current() or not membership.user.is_active:
        raise ValidationError(
            {"membership": _("Dit lidmaatschap is niet (meer) actief: geen API-token (ORG-02).")}
        )
    if lifetime is None:
        lifetime = settings.API_TOKEN_LIFETIME
    if lifetime <= timedelta(0):
        raise ValidationError(
            {"lifetime": _("De geldigheidsduur van een token moet positief zijn.")}
        )
    raw = secrets.token_urlsafe(32)
    while raw.startswith("-"):
        # A key starting with "-" reads as an option to `manage.py revoke_api_token`.
        raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        membership=membership,
        name=name,
        prefix=raw[:8],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + lifetime,
    )
    record_access(
        context,
        action="api_token_issued",
        activity="account_administration",
        obj=token,
    )
    return token, raw


@transaction.atomic
def revoke_api_token(context: AccessContext, token: ApiToken) -> None:
    """Revokes a token at once. Revoking twice is refused, so the first time stays on record."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        raise ValidationError({"token": _("Dit token is al ingetrokken.")})
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_access(context, action="api_token_revoked", activity="account_administration", obj=token)


# Models a functional administrator maintains in the admin ("Beheer"): configuration only,
# never case data (DESIGN.md conventions). Labels are "app_label.model".
FUNCTIONAL_ADMIN_MODELS = (
    "accounts.organisation",
    "accounts.membership",
    "cases.phasedatapolicy",
    "terms.termrule",
    "terms.schoolholiday",
    "pupils.agepolicy",
    "attendance.attendancerules",
    "retention.retentionpolicy",
    "retention.legalhold",
)
FUNCTIONAL_ADMIN_GROUP = "Functioneel beheer"


def sync_admin_access(user: Any) -> None:
    """Staff status and the configuration permissions follow a current functional-admin
    membership (ORG-02): ending the membership ends the access to "Beheer"."""
    from django.contrib.auth.models import Group, Permission

    from passend.accounts.models import Role

    is_admin = Membership.objects.active().filter(user=user, role=Role.FUNCTIONAL_ADMIN).exists()
    group, _created = Group.objects.get_or_create(name=FUNCTIONAL_ADMIN_GROUP)
    if is_admin and not group.permissions.exists():
        labels = [label.split(".") for label in FUNCTIONAL_ADMIN_MODELS]
        permissions = Permission.objects.filter(
            content_type__app_label__in=[app for app, _m in labels],
            content_type__model__in=[model for _a, model in labels],
        ).exclude(codename__startswith="delete_")
        group.permissions.set(permissions)
    if is_admin:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    if user.is_staff != (is_admin or user.is_superuser):
        user.is_staff = is_admin or user.is_superuser
        user.save(update_fields=["is_staff"])
