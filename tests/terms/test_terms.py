"""Deadline arithmetic: weeks, school weeks, working days, suspension, extension."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from passend.terms import calendar, selectors, services
from passend.terms.models import SchoolHoliday, TermRule, Unit

dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


def test_public_holidays_follow_the_algemene_termijnenwet() -> None:
    days = calendar.public_holidays(2026)
    assert dt.date(2026, 5, 5) in days  # Bevrijdingsdag, every year under the Act
    assert dt.date(2026, 4, 3) not in days  # Goede Vrijdag is not a holiday under it
    assert dt.date(2026, 4, 27) in days and dt.date(2026, 12, 25) in days


def test_working_days_skip_weekends_and_holidays() -> None:
    # Friday 24 April 2026 + 1 working day: Monday 27 April is King's Day -> Tuesday 28 April.
    assert calendar.add_working_days(dt.date(2026, 4, 24), 1) == dt.date(2026, 4, 28)
    assert calendar.add_working_days(dt.date(2026, 11, 23), 5) == dt.date(2026, 11, 30)


@given(start=dates, days=st.integers(min_value=0, max_value=40))
def test_property_working_days_land_on_a_working_day(start: dt.date, days: int) -> None:
    end = calendar.add_working_days(start, days)
    counted = sum(
        1
        for i in range(1, (end - start).days + 1)
        if calendar.is_working_day(start + dt.timedelta(i))
    )
    assert counted == days
    assert days == 0 or calendar.is_working_day(end)


@given(
    start=dates,
    weeks=st.integers(min_value=0, max_value=12),
    holiday_start=st.integers(min_value=-10, max_value=60),
    holiday_length=st.integers(min_value=0, max_value=21),
)
def test_property_school_weeks_do_not_count_holidays(
    start: dt.date, weeks: int, holiday_start: int, holiday_length: int
) -> None:
    """TLV-08/ABS-01: a school week is seven days outside school holidays."""
    first = start + dt.timedelta(holiday_start)
    holidays = {first + dt.timedelta(i) for i in range(holiday_length)}
    end = calendar.add_school_weeks(start, weeks, holidays)
    school_days = sum(
        1 for i in range(1, (end - start).days + 1) if start + dt.timedelta(i) not in holidays
    )
    assert school_days == weeks * 7
    assert weeks == 0 or end not in holidays


def test_add_months_clamps_to_month_end() -> None:
    assert calendar.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert calendar.add_months(dt.date(2026, 1, 15), 1) == dt.date(2026, 2, 15)


def test_terms_closed_day_moves_to_next_working_day() -> None:
    assert calendar.next_working_day_if_closed(dt.date(2026, 12, 26)) == dt.date(2026, 12, 28)


@pytest.fixture
def rule(db: Any) -> TermRule:
    return TermRule.objects.create(
        code="test-advice",
        name="Advies",
        rule_reference="TLV-04",
        length=4,
        unit=Unit.WEEKS,
        max_extension=4,
    )


def test_suspension_moves_the_due_date(rule: TermRule) -> None:
    term = services.start_term(
        "test-advice", object_type="x", object_id=1, start_date=dt.date(2026, 1, 5)
    )
    assert term.due_date == dt.date(2026, 2, 2)
    services.suspend(term, dt.date(2026, 1, 12))
    assert selectors.overdue_terms(dt.date(2026, 3, 1)).count() == 0  # suspended is never overdue
    services.resume(term, dt.date(2026, 1, 22))
    assert term.due_date == dt.date(2026, 2, 12) and term.suspended_days == 10
    assert list(selectors.overdue_terms(dt.date(2026, 2, 13))) == [term]


def test_extension_needs_reason_and_stays_within_maximum(rule: TermRule) -> None:
    term = services.start_term(
        "test-advice", object_type="x", object_id=2, start_date=dt.date(2026, 1, 5)
    )
    with pytest.raises(ValidationError) as error:
        services.extend(term, 5, "Extra onderzoek")
    assert "TLV-04" in error.value.message_dict["extended_by"][0]
    with pytest.raises(ValidationError):
        services.extend(term, 2, "  ")
    services.extend(term, 4, "Extra onderzoek nodig")
    assert term.due_date == dt.date(2026, 3, 2)


def test_school_week_term_uses_the_regions_holidays(db: Any, region: dict[str, Any]) -> None:
    TermRule.objects.create(code="crisis", name="Crisisplaatsing", length=6, unit=Unit.SCHOOL_WEEKS)
    SchoolHoliday.objects.create(
        swv=region["swv"],
        name="Kerstvakantie",
        start_date=dt.date(2026, 12, 19),
        end_date=dt.date(2027, 1, 3),
    )
    term = services.start_term(
        "crisis", object_type="x", object_id=3, start_date=dt.date(2026, 12, 1), swv=region["swv"]
    )
    # 42 days outside the 16 holiday days: 1 December + 58 days.
    assert term.due_date == dt.date(2027, 1, 28)
    other = services.start_term(
        "crisis", object_type="x", object_id=4, start_date=dt.date(2026, 12, 1)
    )
    assert other.due_date == dt.date(2027, 1, 12)
