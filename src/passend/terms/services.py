"""Writes of the terms app: start, suspend ("opgeschort"), resume, extend, complete.

Called inside the transaction of the feature service that owns the object; that service
writes the access-log entry for the object itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from passend.accounts.models import Organisation
from passend.terms import calendar
from passend.terms.models import Term, TermRule, Unit
from passend.terms.selectors import school_holiday_dates

# School holidays are looked up this far ahead of a start date for school-week terms.
_HOLIDAY_HORIZON = dt.timedelta(days=800)


def compute_due(unit: str, start: dt.date, length: int, swv: Organisation | None = None) -> dt.date:
    if unit == Unit.DAYS:
        return calendar.add_days(start, length)
    if unit == Unit.WEEKS:
        return calendar.add_weeks(start, length)
    if unit == Unit.MONTHS:
        return calendar.add_months(start, length)
    if unit == Unit.WORKING_DAYS:
        return calendar.add_working_days(start, length)
    if unit == Unit.SCHOOL_WEEKS:
        holidays = school_holiday_dates(swv, start, start + _HOLIDAY_HORIZON)
        return calendar.add_school_weeks(start, length, holidays)
    raise ValueError(f"Unknown unit {unit!r}")


def _recompute(term: Term, swv: Organisation | None) -> None:
    base = compute_due(term.rule.unit, term.start_date, term.rule.length + term.extended_by, swv)
    term.due_date = base + dt.timedelta(days=term.suspended_days)


@transaction.atomic
def start_term(
    rule_code: str,
    *,
    object_type: str,
    object_id: object,
    start_date: dt.date,
    owner: Organisation | None = None,
    subject_pseudonym: str = "",
    swv: Organisation | None = None,
    created_by: Any = None,
) -> Term:
    (term,) = start_terms(
        rule_code,
        object_type=object_type,
        starts=[(object_id, start_date, subject_pseudonym)],
        owner=owner,
        swv=swv,
        created_by=created_by,
    )
    return term


def start_terms(
    rule_code: str,
    *,
    object_type: str,
    starts: list[tuple[object, dt.date, str]],
    owner: Organisation | None = None,
    swv: Organisation | None = None,
    created_by: Any = None,
) -> list[Term]:
    """Terms of one rule for many objects, each (object id, start date, subject pseudonym),
    inserted in one statement; a due date is computed once per start date."""
    rule = TermRule.objects.get(code=rule_code)
    due: dict[dt.date, dt.date] = {}
    terms = []
    for object_id, start_date, subject_pseudonym in starts:
        term = Term(
            rule=rule,
            object_type=object_type,
            object_id=str(object_id),
            subject_pseudonym=subject_pseudonym,
            owner=owner,
            start_date=start_date,
            created_by=created_by,
        )
        if start_date not in due:
            _recompute(term, swv)
            due[start_date] = term.due_date
        term.due_date = due[start_date]
        terms.append(term)
    return Term.objects.bulk_create(terms)


@transaction.atomic
def suspend(term: Term, on: dt.date) -> Term:
    """The clock stops, e.g. while a file is incomplete ("opgeschort", TLV-04, PRV-02)."""
    if not term.is_open:
        raise ValidationError(_("Deze termijn is al afgerond."))
    if term.is_suspended:
        raise ValidationError(_("Deze termijn is al opgeschort."))
    if on < term.start_date:
        raise ValidationError(_("Opschorten kan niet vóór het begin van de termijn."))
    term.suspended_since = on
    term.save(update_fields=["suspended_since"])
    return term


@transaction.atomic
def resume(term: Term, on: dt.date, swv: Organisation | None = None) -> Term:
    """The clock runs again; the due date moves by the days it stood still."""
    if term.suspended_since is None:
        raise ValidationError(_("Deze termijn is niet opgeschort."))
    if on < term.suspended_since:
        raise ValidationError(_("Hervatten kan niet vóór de dag van opschorten."))
    term.suspended_days += (on - term.suspended_since).days
    term.suspended_since = None
    _recompute(term, swv)
    term.save(update_fields=["suspended_days", "suspended_since", "due_date"])
    return term


@transaction.atomic
def extend(term: Term, by: int, reason: str, swv: Organisation | None = None) -> Term:
    """Extension with a reason, within the rule's maximum (e.g. advice 4 → 8 weeks, TLV-04)."""
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["extension_reason"] = _("Geef de reden van de verlenging.")
    if by <= 0 or term.extended_by + by > term.rule.max_extension:
        errors["extended_by"] = _(
            "Deze termijn kan met hooguit %(max)d %(unit)s worden verlengd (%(rule)s)."
        ) % {
            "max": term.rule.max_extension,
            "unit": term.rule.get_unit_display(),
            "rule": term.rule.rule_reference or term.rule.code,
        }
    if errors:
        raise ValidationError(errors)
    term.extended_by += by
    term.extension_reason = reason.strip()
    _recompute(term, swv)
    term.save(update_fields=["extended_by", "extension_reason", "due_date"])
    return term


@transaction.atomic
def complete(term: Term, on: dt.date) -> Term:
    if term.is_suspended:
        resume(term, on)
    term.completed_on = on
    term.save(update_fields=["completed_on"])
    return term


@transaction.atomic
def delete_for_objects(objects: set[tuple[str, str]]) -> int:
    """Deletes the terms of objects that are being deleted (PRV-06 retention purge).

    ``objects`` holds ``(object_type, object_id)`` pairs as terms store them
    (``app_label.model``, primary key as text). Returns how many terms were deleted.
    """
    deleted = 0
    by_type: dict[str, list[str]] = {}
    for object_type, object_id in objects:
        by_type.setdefault(object_type, []).append(str(object_id))
    for object_type, ids in by_type.items():
        for start in range(0, len(ids), 500):
            count, _per_model = Term.objects.filter(
                object_type=object_type, object_id__in=ids[start : start + 500]
            ).delete()
            deleted += count
    return deleted
