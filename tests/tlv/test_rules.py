"""Pure rules: ZML IQ rules (TLV-06), category mapping (TLV-07), TLV length (TLV-11), and term
arithmetic across suspensions, extensions and school holidays (TLV-04, TLV-08; hypothesis)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passend.terms import calendar
from passend.terms import services as terms
from passend.terms.models import SchoolHoliday
from passend.tlv import criteria, services
from passend.tlv.criteria import Checklist
from tests.conftest import verified_client
from tests.tlv.conftest import World, advised, submitted

ALL = Checklist(True, True, True, True)
NONE = Checklist()


@pytest.mark.parametrize(
    ("iq", "age", "extra", "checklist", "met"),
    [
        (54, 10, False, NONE, True),  # < 55: limitation and inadequacy need not be shown
        (55, 10, False, NONE, False),  # 55-70: they must be shown
        (55, 10, False, ALL, True),
        (69, 7, False, ALL, False),  # under 8 with 55-70: additional disorder needed
        (69, 7, True, ALL, True),
        (54, 7, False, NONE, True),  # under 8 but < 55: no extra disorder needed
        (70, 10, True, ALL, False),  # ZML needs IQ below 70
        (None, 10, False, ALL, False),
    ],
)
def test_r_tlv_06_zml_iq_rules(
    iq: int | None, age: int, extra: bool, checklist: Checklist, met: bool
) -> None:
    result = criteria.evaluate("zml", checklist, iq=iq, age=age, additional_disorder=extra)
    assert result.met is met
    assert result.lines  # the result is always explained


def test_r_tlv_06_cluster_4_needs_causal_link_and_all_three() -> None:
    assert criteria.evaluate("c4", ALL).met
    assert not criteria.evaluate("c4", Checklist(True, True, True, False)).met
    assert not criteria.evaluate("lg", Checklist(True, True, False)).met
    assert criteria.evaluate("lg", Checklist(True, True, True)).met


def test_r_tlv_07_category_mapping() -> None:
    assert [criteria.proposed_category(d) for d in ("zml", "lzk", "lg", "c4", "")] == [
        1,
        1,
        2,
        1,
        None,
    ]


@given(
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)),
    years=st.integers(min_value=1, max_value=4),
)
def test_r_tlv_11_tlv_covers_at_least_the_full_school_years(start: dt.date, years: int) -> None:
    end = criteria.tlv_end_date(start, years)
    assert (end.month, end.day) == (7, 31)
    # School years from 1 August: one starting in August counts in full, a later start
    # runs on to the end of the next one(s).
    first_full_year = start.year + 1 if start.month > 8 else start.year
    assert end.year - first_full_year == years
    assert end > start


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31)),
    pauses=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 30)), min_size=0, max_size=3),
    extension=st.integers(0, 4),
)
def test_r_tlv_04_suspensions_and_extension_add_up(
    start: dt.date, pauses: list[tuple[int, int]], extension: int
) -> None:
    """Due date = start + (4 + extension) weeks + every day the file stood still."""
    term = terms.start_term("tlv-advice", object_type="x", object_id=1, start_date=start)
    day = start
    stood_still = 0
    for gap, length in pauses:
        day += dt.timedelta(days=gap)
        terms.suspend(term, day)
        day += dt.timedelta(days=length)
        terms.resume(term, day)
        stood_still += length
    if extension:
        terms.extend(term, extension, "Aanvullend onderzoek")
    assert term.due_date == start + dt.timedelta(weeks=4 + extension, days=stood_still)
    term.delete()


@given(
    start=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31)),
    holiday_start=st.integers(0, 60),
    holiday_length=st.integers(1, 21),
)
def test_r_tlv_08_crisis_limit_skips_exactly_the_holiday_days(
    start: dt.date, holiday_start: int, holiday_length: int
) -> None:
    first = start + dt.timedelta(days=holiday_start)
    holidays = {first + dt.timedelta(days=i) for i in range(holiday_length)}
    limit = calendar.add_school_weeks(start, 6, holidays)
    counted = calendar.count_days_outside(
        start + dt.timedelta(days=1), limit + dt.timedelta(days=1), holidays
    )
    assert counted == 42
    assert limit >= start + dt.timedelta(weeks=6)


@pytest.mark.django_db
def test_r_tlv_08_crisis_placement_uses_the_swv_holiday_calendar(world: World) -> None:
    SchoolHoliday.objects.create(
        swv=world.region["swv"],
        name="Kerst",
        start_date=dt.date(2026, 12, 19),
        end_date=dt.date(2027, 1, 3),
    )
    limit = services.placement_limit("crisis", dt.date(2026, 12, 7), world.region["swv"])
    assert limit == dt.date(2027, 1, 18) + dt.timedelta(days=16)


@pytest.mark.django_db
def test_r_tlv_04_overdue_terms_reminded_without_personal_data(
    world: World, monkeypatch: Any
) -> None:
    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 9, 10))
    world.secretary.email = "secretaris@example.invalid"
    world.secretary.save()
    application = submitted(world)
    from passend.tlv.tasks import remind_overdue_terms

    mail.outbox.clear()
    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 10, 20))
    result = remind_overdue_terms.enqueue()
    assert result.return_value >= 1
    to_cva = [m for m in mail.outbox if "secretaris@example.invalid" in m.to]
    assert to_cva
    body = to_cva[0].subject + to_cva[0].body
    assert "Tijmen" not in body and application.case.pseudonym not in body
    assert "verstreken" in body


@pytest.mark.django_db
def test_expiring_tlvs_appear_for_the_current_school(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "_today", lambda: dt.date(2026, 10, 5))
    application = advised(world)
    decision = services.decide(world.actor(world.director), application)
    tlv = decision.tlv
    services.collect(world.actor(world.vso_coordinator), tlv)
    client = verified_client(world.vso_coordinator)
    from django.urls import reverse

    page = client.get(reverse("tlv:overview")).content.decode()
    assert tlv.number not in page  # ends 31-07-2029: not within 4 months
    type(tlv).objects.filter(pk=tlv.pk).update(end_date=dt.date.today() + dt.timedelta(days=60))
    page = client.get(reverse("tlv:overview")).content.decode()
    assert tlv.number in page and "Tijmen" in page


@pytest.mark.django_db
def test_r_tlv_12_board_signals(world: World) -> None:
    from passend.tlv.selectors import board_signals
    from tests.access.helpers import make_pupil

    advised(world, by_gavel=True)
    world.pupil = make_pupil(world.region["school_a"], first_name="Tweede")
    advised(world, by_gavel=False)
    world.pupil = make_pupil(world.region["school_a"], first_name="Derde")
    submitted(world, lovs_summary="")
    [signal] = board_signals(world.region["swv"])
    assert signal.applications == 3
    assert signal.by_gavel_share == pytest.approx(1 / 3)
    assert signal.incomplete_share == pytest.approx(1 / 3)
    assert signal.below_target
