"""DUO report gives leerplicht its ground (ABS-01, ABS-05), leerplicht notes only after a DUO
report (ABS-03), preventive notes without a pupil, manual entry (ABS-01)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from passend.access.policy import decide_case
from passend.attendance import services
from passend.attendance.models import (
    AbsenceKind,
    OfficerNote,
    PreventiveNote,
    ReportableAbsence,
    ReportReason,
)
from passend.cases import services as case_services
from passend.cases.models import CaseKind
from passend.consent.models import LegalBasis
from passend.privacy.categories import DataCategory

pytestmark = pytest.mark.django_db


def make_reportable(actor: Any, pupil: Any) -> ReportableAbsence:
    start = timezone.localdate() - dt.timedelta(days=20)
    for i in range(4):
        services.record_absence(
            actor, pupil=pupil, date=start + dt.timedelta(days=i), kind="unauthorised", hours="4"
        )
    return ReportableAbsence.objects.get(pupil=pupil)


def report(actor: Any, reportable: ReportableAbsence, region: dict[str, Any], officer: Any) -> Any:
    return services.register_duo_report(
        actor,
        reportable.case,
        kind=ReportReason.SIXTEEN_HOURS,
        reported_on=timezone.localdate(),
        reference="DUO-2026-0042",
        municipality=region["municipality"],
        attendance_officer=officer,
    )


def test_abs_01_manual_entry_detects_and_a_duo_report_closes_the_term(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any, officer: Any
) -> None:
    reportable = make_reportable(coordinator_actor, pupils[0])
    assert reportable.status == ReportableAbsence.Status.OPEN
    report(coordinator_actor, reportable, region, officer)
    reportable.refresh_from_db()
    assert reportable.status == ReportableAbsence.Status.REPORTED
    assert reportable.term.completed_on == timezone.localdate()
    ground = reportable.case.legal_grounds.get()
    assert ground.basis == LegalBasis.ABSENCE_REPORT
    assert ground.organisation == region["municipality"]
    assert set(ground.categories) == {DataCategory.ORDINARY, DataCategory.ABSENCE}
    assert reportable.case.participants.filter(user=officer, ended_at__isnull=True).exists()


def test_abs_05_leerplicht_sees_ordinary_and_absence_only_after_the_report(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any, officer: Any, officer_actor: Any
) -> None:
    reportable = make_reportable(coordinator_actor, pupils[0])
    case = reportable.case
    assert not decide_case(officer, officer_actor.membership, case).allowed
    report(coordinator_actor, reportable, region, officer)
    access = decide_case(officer, officer_actor.membership, case)
    assert access.allowed
    assert access.categories == {DataCategory.ORDINARY, DataCategory.ABSENCE}


def test_abs_03_no_person_note_without_a_duo_report(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any, officer: Any, officer_actor: Any
) -> None:
    """Even when the officer takes part in the case (added by hand), the note needs a report."""
    reportable = make_reportable(coordinator_actor, pupils[0])
    case_services.add_participant(
        coordinator_actor,
        reportable.case,
        organisation=region["municipality"],
        user=officer,
        role="Leerplichtambtenaar",
    )
    from passend.consent import services as consent_services

    consent_services.record_legal_ground(
        coordinator_actor,
        reportable.case,
        organisation=region["municipality"],
        basis=LegalBasis.ABSENCE_REPORT,
        categories=[DataCategory.ORDINARY, DataCategory.ABSENCE],
    )
    with pytest.raises(ValidationError) as error:
        services.add_officer_note(
            officer_actor, reportable.case, held_on=timezone.localdate(), body="Gesprek gehad."
        )
    assert "ABS-03" in str(error.value)
    assert OfficerNote.objects.count() == 0


def test_abs_03_person_note_allowed_once_reported(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any, officer: Any, officer_actor: Any
) -> None:
    reportable = make_reportable(coordinator_actor, pupils[0])
    report(coordinator_actor, reportable, region, officer)
    note = services.add_officer_note(
        officer_actor, reportable.case, held_on=timezone.localdate(), body="Ouders uitgenodigd."
    )
    assert note.case == reportable.case


def test_abs_03_school_cannot_write_leerplicht_notes(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any, officer: Any
) -> None:
    reportable = make_reportable(coordinator_actor, pupils[0])
    report(coordinator_actor, reportable, region, officer)
    with pytest.raises(PermissionDenied):
        services.add_officer_note(
            coordinator_actor, reportable.case, held_on=timezone.localdate(), body="x"
        )


def test_abs_03_preventive_notes_have_no_pupil(region: dict[str, Any], officer_actor: Any) -> None:
    note = services.add_preventive_note(
        officer_actor,
        school=region["school_a"],
        held_on=timezone.localdate(),
        topic="information",
        body="Voorlichting klas 2 over verzuim.",
    )
    assert note.school == region["school_a"]
    assert "pupil" not in {f.name for f in PreventiveNote._meta.get_fields()}
    with pytest.raises(ValidationError):
        services.add_preventive_note(
            officer_actor,
            school=region["school_a"],
            held_on=timezone.localdate(),
            topic="information",
            body="BSN 123456782",
        )


def test_abs_01_duo_report_fields_are_validated(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any
) -> None:
    reportable = make_reportable(coordinator_actor, pupils[0])
    with pytest.raises(ValidationError) as error:
        services.register_duo_report(
            coordinator_actor,
            reportable.case,
            kind="bogus",
            reported_on=timezone.localdate() + dt.timedelta(days=1),
            reference=" ",
            municipality=region["school_b"],
        )
    assert set(error.value.message_dict) == {"kind", "reported_on", "reference", "municipality"}


def test_abs_01_vo_manual_entry_needs_lesson_hours(pupils: Any, coordinator_actor: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.record_absence(
            coordinator_actor,
            pupil=pupils[0],
            date=timezone.localdate(),
            kind=AbsenceKind.UNAUTHORISED,
            start_time=dt.time(8, 30),
            end_time=dt.time(10, 0),
        )
    assert "lesuren" in str(error.value)
    record = services.record_absence(
        coordinator_actor, pupil=pupils[0], date=timezone.localdate(), kind="sick", hours="2,5"
    )
    assert record.hours == Decimal("2.50")


def test_org_04_other_school_cannot_enter_absence_for_our_pupil(
    pupils: Any, coordinator_b: Any
) -> None:
    from passend.access.actor import Actor
    from passend.accounts.models import Membership

    actor = Actor.for_membership(Membership.objects.get(user=coordinator_b))
    with pytest.raises(ValidationError):
        services.record_absence(
            actor, pupil=pupils[0], date=timezone.localdate(), kind="sick", hours="1"
        )


def test_after_a_report_only_new_absence_counts(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any, officer: Any
) -> None:
    reportable = make_reportable(coordinator_actor, pupils[0])
    report(coordinator_actor, reportable, region, officer)
    services.record_absence(
        coordinator_actor, pupil=pupils[0], date=timezone.localdate(), kind="unauthorised", hours=1
    )
    assert ReportableAbsence.objects.filter(reason=ReportReason.SIXTEEN_HOURS).count() == 1
    assert reportable.case.kind == CaseKind.ATTENDANCE


def test_rules_are_configuration_for_the_functional_admin_and_audited(
    region: dict[str, Any],
) -> None:
    from passend.accounts.models import Role
    from passend.attendance.models import AttendanceRules
    from passend.privacy.models import AccessLogEntry
    from tests.conftest import make_professional, verified_client

    admin_user = make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="beheer")
    client = verified_client(admin_user)
    url = "/beheer/attendance/attendancerules/1/change/"
    response = client.post(
        url,
        {
            "threshold_hours": "12",
            "window_school_weeks": 4,
            "long_term_school_weeks": 4,
            "detection_lookback_days": 180,
            "home_stay_flag_months": 3,
            "export_min_count": 5,
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert AttendanceRules.current().threshold_hours == 12
    assert AccessLogEntry.objects.filter(
        action="config_change", object_type="attendance.attendancerules"
    ).exists()
