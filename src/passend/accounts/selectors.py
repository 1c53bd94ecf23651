"""Reads of the accounts app."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.accounts.models import Membership, Organisation, User
from passend.statements import SideBySide, Statement


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


def id_key(value: Any) -> int | None:
    """An id as a session holds it (a number, or its text), or None."""
    try:
        key = int(value)
    except (TypeError, ValueError):
        return None
    return key if -(2**63) <= key < 2**63 else None  # a key column's range


def current_membership(
    user: Any, membership_id: int | str | None, read: IdentityRead | None = None
) -> Membership | None:
    """The membership the user chose to act in, while it is active (ORG-02). Read on every
    request (``ActingMembershipMiddleware``), so by a statement written once (issue 10); or
    taken from ``read``, when that read it with this user (``read_identity``)."""
    if not membership_id or getattr(user, "pk", None) is None:
        return None
    key = id_key(membership_id)
    if key is None:
        return None
    if read is not None and read.user_id == user.pk and read.membership_key == key:
        return read.membership
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


@dataclass
class IdentityRead:
    """What a session names besides its user, read with the user in one statement: the
    authenticator app (``device_key``: a TOTP device's id) and the acting membership
    (``membership_key``), each as ``TOTPDevice.objects.filter(pk=...)`` and
    ``current_membership`` would find it. Every signed-in request read the session, the user,
    the device and the membership one statement at a time: four round trips before the page
    began (issue 10, session 39)."""

    device_key: int | None
    membership_key: int | None
    today: dt.date
    user_id: int | None = None  # set once read (the device and membership are this user's)
    device: TOTPDevice | None = None
    membership: Membership | None = None


_pending: ContextVar[IdentityRead | None] = ContextVar("passend_identity_read", default=None)


@contextmanager
def reading_identity(device_key: Any, membership_key: Any) -> Iterator[IdentityRead]:
    """While inside, reading the session's user (``PasswordBackend.get_user``) reads these
    with it (``read_identity``). A context variable, as the middleware reads the user through
    Django's ``get_user``, which passes the backend the user's id only."""
    read = IdentityRead(id_key(device_key), id_key(membership_key), timezone.localdate())
    token = _pending.set(read)
    try:
        yield read
    finally:
        _pending.reset(token)


def pending_identity() -> IdentityRead | None:
    return _pending.get()


@functools.cache
def _identity() -> SideBySide:
    """The user; the TOTP device with the given id, whoever's (django-otp then checks that it
    is the user's own and confirmed, as it does for a device it reads itself); the membership
    with the given id if it is the user's and active, as ``_active_membership`` reads it, with
    its organisation if that is active. Parameters: device, membership, true, day, day, true,
    user."""
    quote = connection.ops.quote_name
    user, device = quote(User._meta.db_table), quote(TOTPDevice._meta.db_table)
    membership, organisation = quote(Membership._meta.db_table), quote(Organisation._meta.db_table)
    return SideBySide(
        ((User, "t"), (TOTPDevice, "d"), (Membership, "m"), (Organisation, "o")),
        f"FROM {user} t "
        f"LEFT JOIN {device} d ON d.id = %s "
        f"LEFT JOIN {membership} m ON m.id = %s AND m.user_id = t.id AND m.is_active = %s "
        "AND m.valid_from <= %s AND (m.valid_until IS NULL OR m.valid_until >= %s) "
        f"LEFT JOIN {organisation} o ON o.id = m.organisation_id AND o.is_active = %s "
        "WHERE t.id = %s",
    )


def read_identity(read: IdentityRead, user_id: int) -> Any:
    """The user with this id (None if there is none), with ``read``'s device and membership
    filled in from the same row."""
    today = connection.ops.adapt_datefield_value(read.today)
    found = _identity().first(
        [read.device_key, read.membership_key, True, today, today, True, user_id]
    )
    if found is None:
        return None
    user, device, membership, organisation = found
    read.user_id, read.device = user.pk, device
    if membership is not None and organisation is not None:
        Membership._meta.get_field("organisation").set_cached_value(membership, organisation)
        read.membership = membership
    return user
