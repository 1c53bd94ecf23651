"""ABS-01 window arithmetic at the edges, and equivalence with terms.calendar (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from passend.attendance.detection import find_hours_window, find_long_absence

MONDAY = dt.date(2025, 9, 1)  # a Monday without public holidays in the weeks used here
SIXTEEN = 1600


def day(offset: int) -> dt.date:
    return MONDAY + dt.timedelta(days=offset)


def span(start: dt.date, days: int) -> frozenset[dt.date]:
    return frozenset(start + dt.timedelta(days=i) for i in range(days))


def test_abs_01_sixteen_hours_reached_exactly() -> None:
    days = [(day(0), 400), (day(1), 400), (day(2), 400), (day(3), 400)]
    window = find_hours_window(days, frozenset(), threshold_centi=SIXTEEN)
    assert window is not None
    assert (window.start, window.trigger, window.centi_hours) == (day(0), day(3), 1600)


def test_abs_01_fifteen_point_nine_hours_is_not_enough() -> None:
    days = [(day(0), 400), (day(1), 400), (day(2), 400), (day(3), 390)]
    assert find_hours_window(days, frozenset(), threshold_centi=SIXTEEN) is None


def test_abs_01_window_is_four_lesson_weeks() -> None:
    """Monday week 1 and Sunday week 4 share a 4-week window; Monday week 5 does not."""
    inside = [(day(0), 800), (day(27), 800)]
    outside = [(day(0), 800), (day(28), 800)]
    assert find_hours_window(inside, frozenset(), threshold_centi=SIXTEEN) is not None
    assert find_hours_window(outside, frozenset(), threshold_centi=SIXTEEN) is None


def test_abs_01_window_stretches_over_a_school_holiday() -> None:
    """Absence straddling a holiday: Monday week 1 to Friday week 5 is five weeks, but with a
    holiday week in between (Saturday to Sunday, 9 days) only four lesson weeks: one window.
    Monday week 6 is in the fifth lesson week: no longer."""
    holiday = span(day(12), 9)
    days = [(day(0), 800), (day(32), 800)]
    assert find_hours_window(days, frozenset(), threshold_centi=SIXTEEN) is None
    window = find_hours_window(days, holiday, threshold_centi=SIXTEEN)
    assert window is not None and window.trigger == day(32)
    later = [(day(0), 800), (day(35), 800)]
    assert find_hours_window(later, holiday, threshold_centi=SIXTEEN) is None


def test_abs_01_absence_recorded_on_a_holiday_is_not_counted() -> None:
    holiday = span(day(3), 9)
    days = [(day(0), 800), (day(4), 800)]
    assert find_hours_window(days, holiday, threshold_centi=SIXTEEN) is None


def weekdays(first: int, weeks: int) -> list[dt.date]:
    return [day(first + w * 7 + d) for w in range(weeks) for d in range(5)]


def test_abs_01_four_weeks_absent_is_not_yet_long_term() -> None:
    assert find_long_absence(weekdays(0, 4), frozenset()) is None


def test_abs_01_more_than_four_weeks_absent_is_long_term() -> None:
    window = find_long_absence(weekdays(0, 5), frozenset())
    assert window is not None
    assert window.start == day(0)
    assert window.trigger == day(28)  # the first lesson day after four full lesson weeks


def test_abs_01_long_term_run_is_broken_by_a_lesson_day_present() -> None:
    days = [d for d in weekdays(0, 5) if d != day(15)]
    assert find_long_absence(days, frozenset()) is None


def test_abs_01_long_term_run_continues_over_a_holiday() -> None:
    """Two weeks absent, a holiday week, two more weeks: four lesson weeks, not more."""
    holiday = span(day(12), 9)  # Saturday of week 2 up to and including Sunday of week 3
    days = weekdays(0, 2) + weekdays(21, 2)
    assert find_long_absence(days, holiday) is None
    window = find_long_absence([*days, day(35)], holiday)
    assert window is not None and window.trigger == day(35)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[tuple[dt.date, int]], frozenset[dt.date]]:
    offsets = draw(st.lists(st.integers(0, 90), min_size=0, max_size=25, unique=True))
    amounts = [draw(st.integers(1, 800)) for _ in offsets]
    holiday_start = draw(st.integers(0, 90))
    holiday_length = draw(st.integers(0, 16))
    holidays = span(day(holiday_start), holiday_length)
    days = sorted((day(o), a) for o, a in zip(offsets, amounts, strict=True))
    return days, holidays


def window_end(start: dt.date, holidays: frozenset[dt.date]) -> dt.date:
    """Independent definition: the 21st Monday-to-Friday outside holidays from ``start``."""
    count, current = 0, start
    while True:
        if current.weekday() < 5 and current not in holidays:
            count += 1
            if count == 21:
                return current
        current += dt.timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_abs_01_detection_equals_the_plain_definition(
    scenario: tuple[list[tuple[dt.date, int]], frozenset[dt.date]],
) -> None:
    """For any data: a window is found iff, for some school weekday s, the unauthorised hours
    on non-holiday days in [s, 21st school weekday from s) reach 16."""
    days, holidays = scenario
    counted = {d: a for d, a in days if d not in holidays}
    starts = [day(o) for o in range(-7, 100) if day(o).weekday() < 5 and day(o) not in holidays]
    expected = any(
        sum(a for x, a in counted.items() if s <= x < window_end(s, holidays)) >= SIXTEEN
        for s in starts
    )
    window = find_hours_window(days, holidays, threshold_centi=SIXTEEN)
    assert (window is not None) == expected
    if window is not None:
        assert sum(a for x, a in counted.items() if window.start <= x <= window.trigger) >= SIXTEEN
