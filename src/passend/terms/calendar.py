"""Deadline arithmetic (DESIGN.md conventions): calendar weeks, school weeks, working days.

Pure functions over dates. School holidays come in as a set of dates (see
``terms.selectors.school_holiday_dates``) so that the arithmetic stays testable without a
database. Nothing else in Passend computes a deadline inline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from functools import lru_cache

import holidays

DAY = dt.timedelta(days=1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[dt.date]:
    """Public holidays of the Algemene termijnenwet (art. 3), for working-day terms.

    The Act lists New Year, Easter Monday, Ascension, Whit Monday, Christmas, King's Day
    and 5 May (every year); Good Friday is not a holiday under it.
    """
    days = {
        day
        for day, name in holidays.country_holidays("NL", years=year, language="nl").items()
        if "Goede vrijdag" not in name
    }
    days.add(dt.date(year, 5, 5))
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_days(start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=days)


def add_weeks(start: dt.date, weeks: int) -> dt.date:
    return start + dt.timedelta(weeks=weeks)


def add_months(start: dt.date, months: int) -> dt.date:
    """Same day N months later; the last day of the month where that day does not exist."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += DAY
        if is_working_day(current):
            remaining -= 1
    return current


def add_school_weeks(start: dt.date, weeks: int, holiday_dates: Collection[dt.date]) -> dt.date:
    """`weeks` school weeks after `start`: days in school holidays do not count.

    A school week is seven calendar days of which none fall in a school holiday; the clock
    stops during holidays and runs on afterwards (TLV-08 crisis placement, ABS-01).
    """
    if weeks < 0:
        raise ValueError("weeks must not be negative")
    remaining = weeks * 7
    current = start
    while remaining:
        current += DAY
        if current not in holiday_dates:
            remaining -= 1
    return current


def next_working_day_if_closed(day: dt.date) -> dt.date:
    """Algemene termijnenwet art. 1: a term ending on a weekend or holiday ends the next
    working day."""
    while not is_working_day(day):
        day += DAY
    return day


def count_days_outside(start: dt.date, end: dt.date, excluded: Collection[dt.date]) -> int:
    """Days in [start, end) not in `excluded`: e.g. lesson days between two dates."""
    return sum(
        1 for offset in range((end - start).days) if start + dt.timedelta(offset) not in excluded
    )
