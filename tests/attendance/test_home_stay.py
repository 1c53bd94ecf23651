"""Thuiszitters (ABS-04): registration, the 3-month flag, the anonymised Inspectie export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from passend.attendance import selectors, services
from passend.attendance.models import AttendanceRules, HomeStay, HomeStayKind
from passend.cases.models import Case, CaseKind
from passend.privacy.models import AccessLogEntry
from tests.attendance.conftest import make_pupil
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def stay(
    kind: str = HomeStayKind.RELATIVE, start: dt.date = dt.date(2026, 1, 15), **kw: Any
) -> HomeStay:
    return HomeStay(kind=kind, start_date=start, status=HomeStay.Status.OPEN, **kw)


def test_abs_04_flag_starts_the_day_after_three_months() -> None:
    home_stay = stay()
    assert not selectors.is_flagged(home_stay, today=dt.date(2026, 4, 15), months=3)
    assert selectors.is_flagged(home_stay, today=dt.date(2026, 4, 16), months=3)


def test_abs_04_flag_end_of_month_uses_terms_add_months() -> None:
    home_stay = stay(start=dt.date(2025, 11, 30))
    assert not selectors.is_flagged(home_stay, today=dt.date(2026, 2, 28), months=3)
    assert selectors.is_flagged(home_stay, today=dt.date(2026, 3, 1), months=3)


def test_abs_04_no_flag_with_a_suitable_offer_or_an_exemption() -> None:
    late = dt.date(2026, 9, 1)
    assert not selectors.is_flagged(
        stay(offer_suitable=True, offer_since=dt.date(2026, 3, 1)), today=late, months=3
    )
    assert not selectors.is_flagged(
        stay(HomeStayKind.EXEMPTION, exemption_ground="5a"), today=late, months=3
    )
    assert selectors.is_flagged(stay(HomeStayKind.ABSOLUTE), today=late, months=3)


def test_abs_04_school_registers_relatief_verzuim(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any
) -> None:
    home_stay = services.register_home_stay(
        coordinator_actor,
        pupil=pupils[0],
        kind=HomeStayKind.RELATIVE,
        start_date=timezone.localdate() - dt.timedelta(days=120),
        reason="no_place",
    )
    assert home_stay.case.kind == CaseKind.HOME_STAY
    assert (home_stay.swv, home_stay.school) == (region["swv"], region["school_a"])
    assert AccessLogEntry.objects.filter(activity="home_stay", action="create").exists()


def test_abs_04_exemption_needs_ground_and_letter(pupils: Any, coordinator_actor: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.register_home_stay(
            coordinator_actor,
            pupil=pupils[0],
            kind=HomeStayKind.EXEMPTION,
            start_date=timezone.localdate(),
            reason="health",
        )
    assert {"exemption_ground", "exemption_letter_on"} <= set(error.value.message_dict)
    assert Case.objects.count() == 0


def test_abs_04_school_cannot_register_absoluut_verzuim(
    pupils: Any, coordinator_actor: Any
) -> None:
    with pytest.raises(ValidationError):
        services.register_home_stay(
            coordinator_actor,
            pupil=pupils[0],
            kind=HomeStayKind.ABSOLUTE,
            start_date=timezone.localdate(),
            reason="no_place",
        )


def _export(swv: Any, year: int, quarter: int) -> dict[str, Any]:
    return {row.code: row for row in selectors.inspectie_export(swv, year, quarter)}


def test_abs_04_inspectie_export_counts_per_category_and_suppresses_small_numbers(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    """Q1 2026: 6 relatief > 3 months, 2 absoluut, 1 exemption 5a — no personal data."""
    swv = region["swv"]
    from passend.accounts.models import Membership
    from tests.access.helpers import make_case

    membership = Membership.objects.get(user=coordinator_a)
    school = region["school_a"]

    def add(kind: str, start: dt.date, **kw: Any) -> None:
        case = make_case(
            membership,
            pupil=make_pupil(school, f"x{HomeStay.objects.count()}"),
            kind=CaseKind.HOME_STAY,
        )
        HomeStay.objects.create(
            case=case,
            swv=swv,
            school=school,
            kind=kind,
            start_date=start,
            reason="other",
            recorded_by=coordinator_a,
            **kw,
        )

    for _ in range(6):
        add(HomeStayKind.RELATIVE, dt.date(2025, 9, 1))
    add(HomeStayKind.ABSOLUTE, dt.date(2026, 2, 1))
    add(HomeStayKind.ABSOLUTE, dt.date(2026, 2, 1), end_date=dt.date(2026, 3, 1), status="resolved")
    add(HomeStayKind.EXEMPTION, dt.date(2025, 8, 1), exemption_ground="5a")
    rows = _export(swv, 2026, 1)
    assert rows["relative_over_3_months"].at_start == "6"
    assert rows["relative_over_3_months"].at_end == "6"
    assert rows["without_offer_over_3_months"].at_end == "6"
    assert rows["absolute_up_to_3_months"].new == "<5"
    assert rows["absolute_up_to_3_months"].ended == "<5"
    assert rows["exemption_5a"].at_end == "<5"
    assert rows["exemption_15"].at_end == "0"
    rules = AttendanceRules.current()
    rules.export_min_count = 1
    rules.save()
    assert _export(swv, 2026, 1)["absolute_up_to_3_months"].new == "2"


def test_abs_04_export_view_is_anonymous_csv_for_the_swv(region: dict[str, Any]) -> None:
    from passend.accounts.models import Role
    from tests.conftest import make_professional

    director = make_professional(region["swv"], Role.SWV_DIRECTOR, username="dir")
    response = verified_client(director).get(
        "/verzuim/thuiszitters/export/", {"year": 2026, "quarter": 1}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][1] == "Code" and len(rows) == 1 + len(selectors.CATEGORIES)
    assert AccessLogEntry.objects.filter(action="export", activity="home_stay").exists()


def test_abs_04_export_refused_for_a_school(coordinator_a: Any) -> None:
    response = verified_client(coordinator_a).get(
        "/verzuim/thuiszitters/export/", {"year": 2026, "quarter": 1}
    )
    assert response.status_code == 403


def test_co_07_thuiszitter_is_linked_to_a_thuiszittersoverleg_case(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any, coordinator_b: Any
) -> None:
    """CO-07: the thuiszitter is followed in a thuiszittersoverleg; only a consultation case the
    registrar takes part in can be linked, and the kind of overleg must be named."""
    from passend.access.actor import Actor
    from passend.accounts.models import Membership
    from passend.attendance.models import ConsultationType
    from passend.cases import services as case_services

    home_stay = services.register_home_stay(
        coordinator_actor,
        pupil=pupils[0],
        kind=HomeStayKind.RELATIVE,
        start_date=timezone.localdate() - dt.timedelta(days=40),
        reason="no_place",
    )
    own = case_services.open_case(coordinator_actor, kind=CaseKind.CONSULTATION, pupil=pupils[0])
    other_actor = Actor.for_membership(Membership.objects.get(user=coordinator_b))
    foreign = case_services.open_case(
        other_actor, kind=CaseKind.CONSULTATION, pupil=None, is_anonymous=True
    )
    not_a_consultation = home_stay.case

    for wrong in (foreign, not_a_consultation):
        with pytest.raises(ValidationError) as error:
            services.update_home_stay(
                coordinator_actor,
                home_stay,
                consultation_case=wrong,
                consultation_type=ConsultationType.HOME_STAY,
            )
        assert "CO-07" in str(error.value.message_dict["consultation_case"])
    with pytest.raises(ValidationError) as error:
        services.update_home_stay(coordinator_actor, home_stay, consultation_case=own)
    assert "consultation_type" in error.value.message_dict

    services.update_home_stay(
        coordinator_actor,
        home_stay,
        consultation_case=own,
        consultation_type=ConsultationType.HOME_STAY,
    )
    home_stay.refresh_from_db()
    assert home_stay.consultation_case == own
    assert home_stay.consultation_type == ConsultationType.HOME_STAY
