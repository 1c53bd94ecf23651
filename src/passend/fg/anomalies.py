"""Anomalies in the access log for the FG: spikes of failed logins, one user reading many files.

Thresholds are settings (``PASSEND_ANOMALY_*``, see docs/privacy.md), so they can be tuned per
installation without a code change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from passend.privacy.models import FILE_READ_ACTIONS, AccessLogEntry, Outcome
from passend.statements import planned

# The window's entries of the actions asked for, read from those actions' own indexes
# (``accesslog_failed_logins``, ``accesslog_reads``), never by a scan of the whole log: the log
# is never purged, so a scan grows with its years while the window does not (issue 10).
# PostgreSQL misjudges how many of the week's entries are reads (it assumes the actions'
# shares of all time), and chose a scan of 11.5 million entries (1.0 s) over the index's
# 35,659 (about 45 ms).
_WINDOW_PLAN = {"enable_seqscan": "off"}


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass(frozen=True)
class Thresholds:
    lookback_days: int
    failed_logins_per_hour: int
    reads_per_window: int


def thresholds() -> Thresholds:
    return Thresholds(
        lookback_days=_setting("PASSEND_ANOMALY_LOOKBACK_DAYS", 7),
        failed_logins_per_hour=_setting("PASSEND_ANOMALY_FAILED_LOGINS_PER_HOUR", 20),
        reads_per_window=_setting("PASSEND_ANOMALY_READS_PER_HOUR", 30),
    )


@dataclass(frozen=True)
class LoginSpike:
    hour: dt.datetime
    failures: int


@dataclass(frozen=True)
class BulkReader:
    actor_id: int | None
    username: str
    role: str
    window_start: dt.datetime
    subjects: int


def failed_login_spikes(now: dt.datetime | None = None) -> list[LoginSpike]:
    limits = thresholds()
    now = now or timezone.now()
    rows = (
        AccessLogEntry.objects.filter(
            action="login_failed", occurred_at__gte=now - dt.timedelta(days=limits.lookback_days)
        )
        .annotate(hour=TruncHour("occurred_at"))
        .values("hour")
        .annotate(n=Count("id"))
        .filter(n__gte=limits.failed_logins_per_hour)
        .order_by("-hour")
    )
    with planned(**_WINDOW_PLAN):
        return [LoginSpike(row["hour"], row["n"]) for row in rows]


def bulk_readers(now: dt.datetime | None = None) -> list[BulkReader]:
    """Users who opened files of at least ``reads_per_window`` different subjects within one
    clock hour (one grouped query)."""
    limits = thresholds()
    now = now or timezone.now()
    rows = (
        AccessLogEntry.objects.filter(
            occurred_at__gte=now - dt.timedelta(days=limits.lookback_days),
            action__in=FILE_READ_ACTIONS,
            outcome=Outcome.ALLOWED,
            actor__isnull=False,
        )
        .exclude(subject_pseudonym="")
        .annotate(hour=TruncHour("occurred_at"))
        .values("actor_id", "actor_username", "role", "hour")
        .annotate(n=Count("subject_pseudonym", distinct=True))
        .filter(n__gte=limits.reads_per_window)
        .order_by("-hour", "actor_username")
    )
    with planned(**_WINDOW_PLAN):
        return [
            BulkReader(r["actor_id"], r["actor_username"], r["role"], r["hour"], r["n"])
            for r in rows
        ]
