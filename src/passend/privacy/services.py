"""Writes of the privacy app. The access log is written only through `record_access`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from passend.privacy import activities
from passend.privacy.context import AccessContext
from passend.privacy.models import GENESIS_HASH, AccessLogEntry, Outcome

# Arbitrary constant that identifies the access-log chain lock on PostgreSQL.
_CHAIN_LOCK_KEY = 7_513_0001


def _one_line(value: str, limit: int) -> str:
    # Control characters (CR/LF included) never reach the log: they could forge lines.
    return "".join(ch if ch.isprintable() else " " for ch in value)[:limit]


def _new_entry(
    context: AccessContext,
    *,
    action: str,
    activity: str,
    outcome: str,
    subject_pseudonym: str,
    obj: Any,
    object_type: str,
    object_id: str,
    data_categories: Iterable[str],
    legal_ground: str,
    reason: str,
) -> AccessLogEntry:
    activities.get(activity)  # refuses undeclared processing activities
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = context.user
    return AccessLogEntry(
        actor=user,
        actor_username=_one_line(user.get_username() if user else context.actor_label, 150),
        organisation_id=context.organisation_id,
        role=context.role,
        action=_one_line(action, 40),
        subject_pseudonym=subject_pseudonym,
        object_type=object_type,
        object_id=_one_line(str(object_id), 64),
        data_categories=",".join(sorted(set(data_categories))),
        activity=activity,
        legal_ground=_one_line(str(legal_ground), 200),
        trace_id=_one_line(context.trace_id, 64),
        outcome=outcome,
        reason=_one_line(str(reason), 200),
        ip_address=context.ip_address,
    )


def _append(entries: list[AccessLogEntry]) -> None:
    """Chains and inserts entries in one statement, serialised against other writers."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AccessLogEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        previous = last or GENESIS_HASH
        now = timezone.now()
        for entry in entries:
            entry.previous_hash = previous
            entry.occurred_at = now
            entry.entry_hash = entry.compute_hash(previous)
            previous = entry.entry_hash
        AccessLogEntry.objects.bulk_create(entries)


def record_access(
    context: AccessContext,
    *,
    action: str,
    activity: str,
    outcome: str = Outcome.ALLOWED,
    subject_pseudonym: str = "",
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    data_categories: Iterable[str] = (),
    legal_ground: str = "",
    reason: str = "",
) -> AccessLogEntry:
    """Append one entry to the hash chain, inside the caller's transaction.

    Called inside the transaction of the write it records, so that the two commit or roll back
    together. On PostgreSQL an advisory transaction lock orders concurrent writers so the
    chain never forks; SQLite serialises writers already (IMMEDIATE transactions).
    """
    entry = _new_entry(
        context,
        action=action,
        activity=activity,
        outcome=outcome,
        subject_pseudonym=subject_pseudonym,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        data_categories=data_categories,
        legal_ground=legal_ground,
        reason=reason,
    )
    _append([entry])
    return entry


@dataclass(frozen=True)
class LogItem:
    """One subject/object of a bulk access (a list page shows many pupils at once)."""

    subject_pseudonym: str
    object_type: str
    object_id: str
    data_categories: tuple[str, ...] = ()
    legal_ground: str = ""


def record_access_many(
    context: AccessContext,
    items: Iterable[LogItem],
    *,
    action: str,
    activity: str,
    outcome: str = Outcome.ALLOWED,
) -> list[AccessLogEntry]:
    """One entry per item shown, chained and inserted in a single statement."""
    entries = [
        _new_entry(
            context,
            action=action,
            activity=activity,
            outcome=outcome,
            subject_pseudonym=item.subject_pseudonym,
            obj=None,
            object_type=item.object_type,
            object_id=item.object_id,
            data_categories=item.data_categories,
            legal_ground=item.legal_ground,
            reason="",
        )
        for item in items
    ]
    if entries:
        _append(entries)
    return entries
