"""Absence import: columns per source, idempotent re-import, rejected lines, no BSN (ABS-01,
AGE-02), and what the import detects (meldplichtig, case, 5-working-day term)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.access.actor import Actor
from passend.accounts.models import Membership, OrganisationKind, Role, SchoolType, Sector
from passend.attendance import detection, importers, services
from passend.attendance.models import (
    AbsenceImport,
    AbsenceKind,
    AbsenceRecord,
    ReportableAbsence,
    ReportReason,
)
from passend.cases import services as case_services
from passend.cases.models import Case, CaseKind
from passend.privacy.context import subject_pseudonym
from passend.privacy.models import AccessLogEntry
from passend.terms.calendar import add_working_days
from passend.terms.models import SchoolHoliday
from tests.attendance.conftest import make_pupil
from tests.conftest import make_professional
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

BSN = "123456782"  # passes the elfproef
HEADER = "Stamnummer;Datum;Lesuur;T/m lesuur;Verantwoording;Code;Absentie-ID;BSN"


def monday(weeks_ago: int) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks_ago)


def line(key: str, day: dt.date, first: int, last: int, kind: str, rec: str, code: str = "") -> str:
    return f"{key};{day:%d-%m-%Y};{first};{last};{kind};{code};{rec};{BSN}"


def upload(actor: Any, rows: list[str], source: str = "magister", header: str = HEADER) -> Any:
    data = ("\n".join([header, *rows]) + "\n").encode()
    run = services.start_import(actor, source=source, file=io.BytesIO(data))
    run.refresh_from_db()
    assert run.status == "done", run.failure
    return run


def sixteen_hours(key: str = "1001", start: dt.date | None = None) -> list[str]:
    start = start or monday(6)
    return [
        line(key, start + dt.timedelta(days=i), 1, 4, "Ongeoorloofd", f"R{key}-{i}")
        for i in range(4)
    ]


def test_abs_01_import_marks_meldplichtig_with_evidence_case_and_term(
    pupils: Any, coordinator_actor: Any
) -> None:
    run = upload(coordinator_actor, sixteen_hours())
    assert (run.created_count, run.rejected_count, run.signals_count) == (4, 0, 1)
    reportable = ReportableAbsence.objects.get()
    assert reportable.pupil == pupils[0]
    assert reportable.reason == ReportReason.SIXTEEN_HOURS
    assert reportable.unauthorised_hours == 16
    assert reportable.trigger_date == monday(6) + dt.timedelta(days=3)
    assert reportable.evidence.count() == 4
    assert reportable.case.kind == CaseKind.ATTENDANCE
    assert reportable.case.owner_id == coordinator_actor.membership.organisation_id
    assert reportable.term.rule.code == "attendance-duo-report"
    assert reportable.term.due_date == add_working_days(reportable.trigger_date, 5)
    assert AccessLogEntry.objects.filter(action="detect_reportable").count() == 1


def test_abs_01_import_is_idempotent(pupils: Any, coordinator_actor: Any) -> None:
    rows = [*sixteen_hours(), line("1002", monday(3), 1, 1, "Ziek", "S1")]
    first = upload(coordinator_actor, rows)
    second = upload(coordinator_actor, rows)
    assert (first.created_count, first.unchanged_count) == (5, 0)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 5)
    assert second.signals_count == 0
    assert AbsenceRecord.objects.count() == 5
    assert ReportableAbsence.objects.count() == 1
    assert Case.objects.filter(kind=CaseKind.ATTENDANCE).count() == 1
    changed = [*rows[:-1], line("1002", monday(3), 1, 2, "Ziek", "S1")]
    third = upload(coordinator_actor, changed)
    assert (third.created_count, third.updated_count, third.unchanged_count) == (0, 1, 4)
    assert AbsenceRecord.objects.get(pupil=pupils[1]).hours == 2


def test_abs_01_without_record_id_the_key_is_pupil_date_and_start(
    pupils: Any, coordinator_actor: Any
) -> None:
    header = "Stamnummer;Datum;Lesuur;T/m lesuur;Verantwoording"
    rows = [f"1001;{monday(2):%d-%m-%Y};2;3;Geoorloofd"]
    upload(coordinator_actor, rows, header=header)
    run = upload(coordinator_actor, [f"1001;{monday(2):%d-%m-%Y};2;3;Ongeoorloofd"], header=header)
    assert (run.created_count, run.updated_count) == (0, 1)
    assert AbsenceRecord.objects.get().kind == AbsenceKind.UNAUTHORISED


def test_rejected_lines_name_the_column_and_the_reason_never_the_value(
    pupils: Any, coordinator_actor: Any
) -> None:
    day = f"{monday(2):%d-%m-%Y}"
    future = f"{timezone.localdate() + dt.timedelta(days=3):%d-%m-%Y}"
    rows = [
        f"9999;{day};1;1;Ongeoorloofd;;X1;",  # 2 unknown pupil number
        "1001;31-02-2026;1;1;Ongeoorloofd;;X2;",  # 3 invalid date
        f"1001;{future};1;1;Ongeoorloofd;;X3;",  # 4 future
        f"1001;{day};1;1;Spookverzuim;;X4;",  # 5 unknown kind
        f"1001;{day};3;1;Ongeoorloofd;;X5;",  # 6 lesson range backwards
        f"1001;{day};1;1;Ongeoorloofd;{BSN};X6;",  # 7 BSN in the code column
        f"1001;{day};1;1;Ongeoorloofd;;X7;",  # 8 fine
        f"1001;{day};2;2;Ongeoorloofd;;X7;",  # 9 same record id again
    ]
    run = upload(coordinator_actor, rows)
    assert run.created_count == 1
    reasons = {item["line"]: item["reason"] for item in run.rejected_lines}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 9]
    assert "Stamnummer" in reasons[2] and "9999" not in reasons[2]
    assert "Datum" in reasons[3] and "geldige datum" in reasons[3]
    assert "toekomst" in reasons[4]
    assert "Verantwoording" in reasons[5] and "Spookverzuim" not in reasons[5]
    assert "Lesuur" in reasons[6]
    assert "AGE-02" in reasons[7] and BSN not in reasons[7]
    assert "regel 8" in reasons[9]


def test_age_02_no_bsn_is_ever_stored(pupils: Any, coordinator_actor: Any) -> None:
    day = f"{monday(2):%d-%m-%Y}"
    run = upload(coordinator_actor, [f"1001;{day};1;1;Ongeoorloofd;{BSN};{BSN};{BSN}"])
    assert run.ignored_columns == ["BSN"]
    assert run.content == ""
    assert run.rejected_count == 1  # the code column held a BSN
    with connection.cursor() as cursor:
        for model in (AbsenceImport, AbsenceRecord):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608
            assert BSN not in repr(cursor.fetchall())


def test_age_02_record_ids_are_stored_only_as_a_hash(pupils: Any, coordinator_actor: Any) -> None:
    upload(coordinator_actor, [line("1001", monday(2), 1, 1, "Ziek", "SECRET-ID-77")])
    record = AbsenceRecord.objects.get()
    school_id = coordinator_actor.membership.organisation_id
    expected = importers.record_key(school_id, "magister", importers.hash_ref("SECRET-ID-77"))
    assert record.record_key == uuid.UUID(expected)


def test_the_same_record_ids_of_another_school_or_source_are_other_records(
    pupils: Any, coordinator_actor: Any
) -> None:
    """The key is unique on its own (issue 10), so it carries the school and the source: two
    schools whose administrations number their records alike, or one school's two sources,
    each keep their own records, and importing one never changes the other's."""
    school = coordinator_actor.membership.organisation
    other_school = OrganisationFactory(
        kind=OrganisationKind.SCHOOL,
        sector=Sector.VO,
        school_type=SchoolType.REGULAR,
        swv=school.swv,
    )
    other_ib = make_professional(other_school, Role.SUPPORT_COORDINATOR, username="ib-ander")
    other_actor = Actor.for_membership(Membership.objects.get(user=other_ib))
    make_pupil(other_school, "1001")
    make_pupil(school, "1001", source="somtoday")
    rows = [
        line("1001", monday(2), 1, 1, "Ziek", "R1"),
        line("1001", monday(2), 2, 2, "Ziek", "R2"),
    ]
    upload(coordinator_actor, rows)
    upload(other_actor, rows)
    somtoday = (
        "Leerlingnummer;Datum;Begin lesuur;Eind lesuur;Absentiereden;Afkorting;"
        "Absentiemelding-ID;BSN"
    )
    upload(coordinator_actor, rows, source="somtoday", header=somtoday)
    counts = Counter(AbsenceRecord.objects.values_list("school_id", "source"))
    assert counts == {
        (school.pk, "magister"): 2,
        (other_school.pk, "magister"): 2,
        (school.pk, "somtoday"): 2,
    }
    again = upload(other_actor, [line("1001", monday(2), 1, 3, "Ziek", "R1")])
    assert (again.created_count, again.updated_count) == (0, 1)
    assert set(AbsenceRecord.objects.filter(school=school).values_list("hours", flat=True)) == {1}


def test_missing_columns_are_refused_at_upload(coordinator_actor: Any) -> None:
    data = b"Naam;Datum\nPiet;01-01-2026\n"
    with pytest.raises(ValidationError) as error:
        services.start_import(coordinator_actor, source="magister", file=io.BytesIO(data))
    assert "Stamnummer" in str(error.value)
    assert AbsenceImport.objects.count() == 0


def test_abs_01_vo_counts_lesson_hours_not_clock_time(pupils: Any, coordinator_actor: Any) -> None:
    header = "Stamnummer;Datum;Begintijd;Eindtijd;Verantwoording"
    run = upload(
        coordinator_actor, [f"1001;{monday(2):%d-%m-%Y};08:30;12:30;Ongeoorloofd"], header=header
    )
    assert run.created_count == 0
    assert "lesuren" in run.rejected_lines[0]["reason"]


def test_po_school_hours_from_times_cp1252_and_comma_delimiter(region: dict[str, Any]) -> None:
    school = OrganisationFactory(
        name="Basisschool De Linde",
        kind=OrganisationKind.SCHOOL,
        sector=Sector.PO,
        school_type=SchoolType.REGULAR,
        board=region["board"],
        swv=region["swv"],
    )
    coordinator = make_professional(school, Role.SUPPORT_COORDINATOR, username="ib-po")
    from passend.access.actor import Actor
    from passend.accounts.models import Membership

    actor = Actor.for_membership(Membership.objects.get(user=coordinator))
    make_pupil(school, "77", source="parnassys")
    text = (
        "Leerlingnummer,Datum,Begintijd,Eindtijd,Absentiesoort,Reden\n"
        f"77,{monday(2):%d-%m-%Y},08:30,10:00,Ongeoorloofd,Café\n"
    )
    run = services.start_import(actor, source="parnassys", file=io.BytesIO(text.encode("cp1252")))
    run.refresh_from_db()
    assert run.created_count == 1, run.rejected_lines
    record = AbsenceRecord.objects.get()
    assert record.hours == 1.5 and record.reason_code == "Café"


def test_abs_01_each_finding_of_one_import_gets_its_case_evidence_term_and_log_entry(
    pupils: Any, coordinator_actor: Any
) -> None:
    """Three pupils meldplichtig in one upload, written together (``create_reportables``):
    an open attendance case is reused, the others are opened; the evidence is the window's."""
    existing = case_services.open_case(
        coordinator_actor, kind=CaseKind.ATTENDANCE, pupil=pupils[2], title="Verzuim"
    )
    rows = [
        *sixteen_hours("1001"),
        *sixteen_hours("1002", monday(8)),
        line("1002", monday(1), 1, 1, "Ongeoorloofd", "R1002-late"),  # after its window
        *sixteen_hours("1003"),
    ]
    run = upload(coordinator_actor, rows)
    assert run.signals_count == 3
    for pupil, start in ((pupils[0], monday(6)), (pupils[1], monday(8)), (pupils[2], monday(6))):
        reportable = ReportableAbsence.objects.get(pupil=pupil)
        days = [start + dt.timedelta(days=i) for i in range(4)]
        assert (reportable.window_start, reportable.trigger_date) == (days[0], days[-1])
        assert sorted(reportable.evidence.values_list("date", flat=True)) == days
        assert reportable.case.pupil == pupil and reportable.case.kind == CaseKind.ATTENDANCE
        assert reportable.term.object_id == str(reportable.pk)
        assert reportable.term.due_date == add_working_days(days[-1], 5)
        entry = AccessLogEntry.objects.get(action="detect_reportable", object_id=str(reportable.pk))
        assert entry.reason == f"ABS-01 {ReportReason.SIXTEEN_HOURS}"
        assert entry.legal_ground == detection.LEGAL_GROUND
        assert entry.subject_pseudonym == subject_pseudonym("pupil", pupil.pk)
    assert ReportableAbsence.objects.get(pupil=pupils[2]).case == existing
    assert Case.objects.filter(kind=CaseKind.ATTENDANCE).count() == 3


def test_abs_01_findings_are_written_in_the_same_statements_however_many(
    pupils: Any, coordinator_actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A school's first import finds hundreds at once (issue 10: one at a time took 23
    statements each)."""
    written: list[tuple[int, int]] = []
    original = detection.create_reportables

    def counted(*args: Any, **kwargs: Any) -> Any:
        with CaptureQueriesContext(connection) as queries:
            result = original(*args, **kwargs)
        written.append((len(result), len(queries)))
        return result

    monkeypatch.setattr(detection, "create_reportables", counted)
    upload(coordinator_actor, sixteen_hours("1001"))
    upload(coordinator_actor, [*sixteen_hours("1002"), *sixteen_hours("1003")])
    (one, one_statements), (two, two_statements) = written
    assert (one, two) == (1, 2)
    assert two_statements == one_statements


def test_detection_reads_a_schools_pupils_with_statements_that_do_not_grow_with_them(
    region: dict[str, Any], coordinator_actor: Any
) -> None:
    """A first import passes every pupil of the school to the detection: their ids go as one
    parameter (``statements.id_rows``), not one placeholder each (issue 10, session 21)."""
    keys = [str(2000 + n) for n in range(60)]
    for key in keys:
        make_pupil(region["school_a"], key)
    rows = [line(key, monday(2), 1, 1, "Ongeoorloofd", f"G{key}") for key in keys]
    params: list[int] = []

    def capture(execute: Any, sql: str, values: Any, many: bool, context: Any) -> Any:
        params.append(len(values or ()))
        return execute(sql, values, many, context)

    original = detection.detect

    def detect(*args: Any, **kwargs: Any) -> Any:
        with connection.execute_wrapper(capture):
            return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(detection, "detect", detect)
        run = upload(coordinator_actor, rows)
    assert run.created_count == 60 and params
    assert max(params) < len(keys)


def test_abs_02_sick_leave_is_not_reportable(pupils: Any, coordinator_actor: Any) -> None:
    rows = [line("1001", monday(4) + dt.timedelta(days=i), 1, 6, "Ziek", f"Z{i}") for i in range(5)]
    run = upload(coordinator_actor, rows)
    assert run.created_count == 5 and run.signals_count == 0


def test_abs_02_sick_after_contact_refusal_is_overig_verzuim(
    pupils: Any, coordinator_actor: Any
) -> None:
    services.register_contact_refusal(coordinator_actor, pupil=pupils[0], since=monday(5))
    before = line("1001", monday(6), 1, 2, "Ziek", "Z0")
    after = line("1001", monday(4), 1, 2, "Ziek", "Z1")
    later = line("1001", monday(3), 1, 2, "Ziek", "Z2")
    run = upload(coordinator_actor, [before, after, later])
    assert run.signals_count == 1
    reportable = ReportableAbsence.objects.get()
    assert reportable.reason == ReportReason.OTHER
    assert reportable.trigger_date == monday(4)
    assert [r.date for r in reportable.evidence.all()] == [monday(4)]


def test_abs_01_absence_straddling_a_holiday_of_the_swv(
    region: dict[str, Any], pupils: Any, coordinator_actor: Any
) -> None:
    """8 hours on Monday week 1 and 8 on Friday week 5 make 16 only when week 3 is a holiday."""
    start = monday(8)
    rows = [
        line("1001", start, 1, 8, "Ongeoorloofd", "H1"),
        line("1001", start + dt.timedelta(days=32), 1, 8, "Ongeoorloofd", "H2"),
    ]
    run = upload(coordinator_actor, rows)
    assert run.signals_count == 0
    SchoolHoliday.objects.create(
        swv=region["swv"],
        name="Herfstvakantie",
        start_date=start + dt.timedelta(days=12),
        end_date=start + dt.timedelta(days=20),
    )
    run = upload(coordinator_actor, [*rows, line("1002", start, 1, 1, "Ziek", "H3")])
    assert run.signals_count == 0  # only pupil 1002 was touched: no re-detection for 1001
    from passend.attendance import detection

    found = detection.detect(
        coordinator_actor.membership.organisation,
        [pupils[0].pk],
        membership=coordinator_actor.membership,
        context=coordinator_actor.context,
    )
    assert found == 1
    assert ReportableAbsence.objects.get().trigger_date == start + dt.timedelta(days=32)


def test_import_writes_one_log_entry_per_pupil_not_per_line(
    pupils: Any, coordinator_actor: Any
) -> None:
    upload(coordinator_actor, sixteen_hours("1001") + sixteen_hours("1002"))
    entries = AccessLogEntry.objects.filter(action="import_write")
    per_pupil = entries.filter(object_type="attendance.absencerecord")
    assert per_pupil.count() == 2
    assert per_pupil.exclude(subject_pseudonym="").count() == 2
    assert {e.data_categories for e in entries} == {"absence"}
    batch = entries.get(object_type="attendance.absenceimport")
    assert "new=8" in batch.reason and "pupils=2" in batch.reason
