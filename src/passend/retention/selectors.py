"""Reads of retention (PRV-06): which policy applies to a case and when it expires."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from passend.retention.models import LegalHold, RetentionPolicy, active_hold_q

PolicyKey = tuple[str, int | None]


def policies_by_key() -> dict[PolicyKey, RetentionPolicy]:
    return {(p.case_kind, p.organisation_id): p for p in RetentionPolicy.objects.all()}


def policy_for(
    case: Any, policies: dict[PolicyKey, RetentionPolicy] | None = None
) -> RetentionPolicy | None:
    """The owner's own policy for the case's kind, else the default for the kind."""
    policies = policies if policies is not None else policies_by_key()
    return policies.get((case.kind, case.owner_id)) or policies.get((case.kind, None))


def expiry_of(
    case: Any, policies: dict[PolicyKey, RetentionPolicy] | None = None
) -> tuple[RetentionPolicy, dt.date] | None:
    """PRV-06: the clock starts when the case is closed ("afgemeld")."""
    if case.closed_at is None:
        return None
    policy = policy_for(case, policies)
    if policy is None:
        return None
    return policy, policy.expires_on(timezone.localdate(case.closed_at))


def held_case_ids(today: dt.date) -> set[int]:
    return set(LegalHold.objects.filter(active_hold_q(today)).values_list("case_id", flat=True))


def holds_for_case(case_id: int) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(case_id=case_id).select_related("placed_by", "lifted_by")


def recent_runs(limit: int = 30) -> list[Any]:
    from passend.retention.models import PurgeRun

    return list(PurgeRun.objects.all()[:limit])


def recent_records(limit: int = 200) -> list[Any]:
    from passend.retention.models import DeletionRecord

    return list(DeletionRecord.objects.select_related("owner")[:limit])


def active_holds(today: dt.date | None = None) -> QuerySet[LegalHold]:
    today = today or timezone.localdate()
    return (
        LegalHold.objects.filter(active_hold_q(today))
        .select_related("case", "placed_by")
        .order_by("-placed_at", "-id")
    )
