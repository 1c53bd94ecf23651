"""Reads of break-the-glass grants."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from passend.emergency.models import BreakGlassGrant


def _active(user: Any, organisation_id: int) -> QuerySet[BreakGlassGrant]:
    """The user's unexpired grants, acting for this organisation."""
    return BreakGlassGrant.objects.filter(
        user_id=user.pk, organisation_id=organisation_id, expires_at__gt=timezone.now()
    )


def active_grant(user: Any, organisation_id: int, case_id: int) -> BreakGlassGrant | None:
    """The user's current grant for this case, acting for this organisation (one query)."""
    return _active(user, organisation_id).filter(case_id=case_id).order_by("-expires_at").first()


def active_grants(
    user: Any, organisation_id: int, case_ids: list[int]
) -> dict[int, BreakGlassGrant]:
    """``active_grant`` for many cases in one query: case id -> the grant expiring last."""
    grants: dict[int, BreakGlassGrant] = {}
    if not case_ids or getattr(user, "pk", None) is None:
        return grants
    for grant in _active(user, organisation_id).filter(case_id__in=case_ids).order_by("expires_at"):
        grants[grant.case_id] = grant  # ascending: the last one written expires last
    return grants


def active_grant_case_ids(user: Any, organisation_id: int) -> QuerySet[BreakGlassGrant, Any]:
    """The ids of the cases the user holds an active grant for, acting for this organisation
    (a subquery)."""
    return _active(user, organisation_id).values("case_id")


def grants_for_privacy_officer() -> QuerySet[BreakGlassGrant]:
    """Every use, not yet reviewed first. The FG sees the pseudonym, never the content."""
    return BreakGlassGrant.objects.select_related(
        "case", "user", "organisation", "reviewed_by"
    ).order_by("reviewed_at", "-granted_at", "-id")
