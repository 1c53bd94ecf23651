"""Reads of the terms app."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from passend.accounts.models import Organisation
from passend.terms.models import SchoolHoliday, Term


def school_holiday_dates(
    swv: Organisation | None, start: dt.date, end: dt.date
) -> frozenset[dt.date]:
    """Every date in [start, end] that falls in a school holiday of the SWV (or all SWVs)."""
    periods = SchoolHoliday.objects.filter(start_date__lte=end, end_date__gte=start).filter(
        Q(swv__isnull=True) | Q(swv=swv)
    )
    dates: set[dt.date] = set()
    for period in periods:
        day = max(period.start_date, start)
        while day <= min(period.end_date, end):
            dates.add(day)
            day += dt.timedelta(days=1)
    return frozenset(dates)


def terms_for(object_type: str, object_id: object) -> QuerySet[Term]:
    return Term.objects.filter(object_type=object_type, object_id=str(object_id)).select_related(
        "rule"
    )


def open_terms(owner: Organisation | None = None) -> QuerySet[Term]:
    queryset = Term.objects.filter(completed_on__isnull=True).select_related("rule")
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    return queryset.order_by("due_date", "id")


def overdue_terms(
    today: dt.date | None = None, owner: Organisation | None = None
) -> QuerySet[Term]:
    """Open, not suspended, and past their due date."""
    today = today or timezone.localdate()
    return open_terms(owner).filter(suspended_since__isnull=True, due_date__lt=today)
