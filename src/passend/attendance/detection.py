"""Who is meldplichtig (ABS-01, ABS-02)? Pure window arithmetic plus the database step.

Definitions (docs/modules/attendance.md):

* **Lesson week.** Five *school weekdays*: Monday to Friday outside a school holiday of the
  school's SWV (``terms.selectors.school_holiday_dates``). A holiday week is skipped, so a
  window stretches over a holiday; a public holiday keeps its slot (the week is still a
  lesson week). Absence recorded on a holiday day is not counted; absence on a weekend
  counts in the week it falls in.
* **16 hours in 4 weeks.** A window of 4 lesson weeks = 20 consecutive school weekdays (plus
  the weekends between them). The pupil is meldplichtig from the first day on which the
  unauthorised hours inside a window that ends on that day reach 16 (``>= 16``; 15.99 is
  not enough). VO hours are lesson hours.
* **More than 4 weeks.** A run of lesson days (school weekdays that are not public
  holidays) with unauthorised absence on each of them, broken by any lesson day without.
  Meldplichtig when the run reaches the 21st school weekday from its first day: four full
  lesson weeks absent is not yet "more than 4 weeks", the next lesson day is.
* **Overig verzuim (ABS-02).** Sick leave is never counted, except: once parents refuse
  contact with school or jeugdarts (``ContactRefusal``), the next sick report makes the pupil
  meldplichtig as suspected unauthorised absence.

A reason that is already open (not yet reported) is not detected again; after a DUO report
only absence after the reported window counts, so re-running the detection is idempotent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from passend.access.actor import Actor
from passend.accounts.models import Membership, Organisation
from passend.attendance.models import (
    AbsenceKind,
    AbsenceRecord,
    AttendanceRules,
    ContactRefusal,
    ReportableAbsence,
    ReportReason,
)
from passend.cases.models import Case, CaseKind, Phase
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.services import LogItem, record_access_many
from passend.statements import id_rows
from passend.terms import calendar
from passend.terms.selectors import school_holiday_dates

ACTIVITY = "attendance"
LEGAL_GROUND = "Leerplichtwet 1969 art. 21a"
DUO_REPORT_TERM = "attendance-duo-report"
_CHUNK = 5_000
# PostgreSQL takes a chunk's ids (one array parameter: ``statements.id_rows``) as one hashed
# set: right after a large import (before autovacuum has analysed the new rows) each chunk's
# query scans the school's records, so fewer, larger chunks (a school of 20,000 pupils: one)
# read them once instead of four times.
_CHUNK_POSTGRES = 25_000


@dataclass(frozen=True)
class Window:
    start: dt.date
    trigger: dt.date
    centi_hours: int

    @property
    def hours(self) -> Decimal:
        return Decimal(self.centi_hours) / 100


def is_school_weekday(day: dt.date, holidays: Collection[dt.date]) -> bool:
    """Monday to Friday outside a school holiday: one of the five slots of a lesson week.
    A public holiday keeps its slot (the week is still a lesson week)."""
    return day.weekday() < 5 and day not in holidays


def is_lesson_day(day: dt.date, holidays: Collection[dt.date]) -> bool:
    """A day the school is open: a school weekday that is not a public holiday."""
    return is_school_weekday(day, holidays) and calendar.is_working_day(day)


def _slots_between(first: dt.date, last: dt.date, holidays: Collection[dt.date]) -> int:
    """School weekdays in (first, last]."""
    count = 0
    day = first + calendar.DAY
    while day <= last:
        if is_school_weekday(day, holidays):
            count += 1
        day += calendar.DAY
    return count


def find_hours_window(
    days: Sequence[tuple[dt.date, int]],
    holidays: Collection[dt.date],
    *,
    threshold_centi: int,
    weeks: int = 4,
) -> Window | None:
    """First window of ``weeks`` lesson weeks (5 school weekdays each, weekends inside the
    window included) with at least ``threshold_centi`` hundredths of an hour.

    ``days``: (date, unauthorised hours in hundredths), sorted, one entry per date.
    """
    # No window holds more than all the days together: most pupils of an import never come
    # near the threshold, and their days need no counting of school weekdays between them.
    if sum(centi for _day, centi in days if centi > 0) < threshold_centi:
        return None
    size = 5 * weeks
    dates: list[dt.date] = []
    amounts: list[int] = []
    index: list[int] = []
    position = 0
    previous: dt.date | None = None
    for day, centi in days:
        if day in holidays or centi <= 0:
            continue
        if previous is not None:
            position += _slots_between(previous, day, holidays)
        previous = day
        dates.append(day)
        amounts.append(centi)
        index.append(position)
    total = 0
    left = 0
    for right in range(len(dates)):
        total += amounts[right]
        while index[right] - index[left] >= size:
            total -= amounts[left]
            left += 1
        if total >= threshold_centi:
            return Window(dates[left], dates[right], total)
    return None


def find_long_absence(
    absent_days: Iterable[dt.date], holidays: Collection[dt.date], *, weeks: int = 4
) -> Window | None:
    """First run of consecutive lesson days with unauthorised absence that lasts more than
    ``weeks`` lesson weeks: it reaches the slot ``5 x weeks`` school weekdays after its start."""
    days = sorted({d for d in absent_days if is_lesson_day(d, holidays)})
    size = 5 * weeks
    run_start: dt.date | None = None
    position = 0
    previous: dt.date | None = None
    for day in days:
        if previous is None or _lesson_day_between(previous, day, holidays):
            run_start, position = day, 0
        else:
            position += _slots_between(previous, day, holidays)
        previous = day
        if run_start is not None and position >= size:
            return Window(run_start, day, 0)
    return None


def _lesson_day_between(first: dt.date, last: dt.date, holidays: Collection[dt.date]) -> bool:
    day = first + calendar.DAY
    while day < last:
        if is_lesson_day(day, holidays):
            return True
        day += calendar.DAY
    return False


# --- database step ------------------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    size = _CHUNK_POSTGRES if connection.vendor == "postgresql" else _CHUNK
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def detect(
    school: Organisation,
    pupil_ids: Iterable[int],
    *,
    membership: Membership | None,
    context: AccessContext,
    today: dt.date | None = None,
) -> int:
    """Detects new reportable absence for these pupils of ``school``; returns how many."""
    ids = sorted(set(pupil_ids))
    if not ids:
        return 0
    today = today or timezone.localdate()
    rules = AttendanceRules.current()
    since = today - dt.timedelta(days=rules.detection_lookback_days)
    holidays = school_holiday_dates(school.swv, since - dt.timedelta(days=400), today)
    threshold = int(rules.threshold_hours * 100)
    findings: list[tuple[int, str, Window]] = []
    for chunk in _chunks(ids):
        state: dict[tuple[int, str], tuple[bool, dt.date | None]] = {}
        for pupil_id, reason, status, trigger in ReportableAbsence.objects.filter(
            school=school, pupil_id__in=id_rows(chunk)
        ).values_list("pupil_id", "reason", "status", "trigger_date"):
            is_open, last = state.get((pupil_id, reason), (False, None))
            state[(pupil_id, reason)] = (
                is_open or status == ReportableAbsence.Status.OPEN,
                max(last, trigger) if last else trigger,
            )
        per_pupil: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
        for pupil_id, day, total in (
            AbsenceRecord.objects.filter(
                school=school,
                pupil_id__in=id_rows(chunk),
                kind=AbsenceKind.UNAUTHORISED,
                date__gte=since,
                date__lte=today,
            )
            .values_list("pupil_id", "date")
            .annotate(total=Sum("hours"))
            .order_by("pupil_id", "date")
        ):
            per_pupil[pupil_id].append((day, int(total * 100)))
        for pupil_id, days in per_pupil.items():
            for reason in (ReportReason.SIXTEEN_HOURS, ReportReason.LONG_TERM):
                is_open, last = state.get((pupil_id, reason), (False, None))
                if is_open:
                    continue
                considered = [(d, c) for d, c in days if last is None or d > last]
                if reason == ReportReason.SIXTEEN_HOURS:
                    window = find_hours_window(
                        considered,
                        holidays,
                        threshold_centi=threshold,
                        weeks=rules.window_school_weeks,
                    )
                else:
                    window = find_long_absence(
                        [d for d, _c in considered], holidays, weeks=rules.long_term_school_weeks
                    )
                    if window is not None:
                        total = sum(c for d, c in considered if window.start <= d <= window.trigger)
                        window = Window(window.start, window.trigger, total)
                if window is not None:
                    findings.append((pupil_id, reason, window))
        findings.extend(_sick_without_contact(school, chunk, state, since, today))
    actor = Actor.for_membership(membership, context.trace_id) if membership else None
    create_reportables(school, findings, actor=actor, context=context)
    return len(findings)


def _sick_without_contact(
    school: Organisation,
    pupil_ids: Sequence[int],
    state: dict[tuple[int, str], tuple[bool, dt.date | None]],
    since: dt.date,
    today: dt.date,
) -> list[tuple[int, str, Window]]:
    """ABS-02: the first sick report after parents refused contact is "overig verzuim"."""
    refusals: dict[int, dt.date] = {}
    for pupil_id, start in ContactRefusal.objects.filter(
        school=school, pupil_id__in=id_rows(pupil_ids), ended_on__isnull=True
    ).values_list("pupil_id", "since"):
        refusals[pupil_id] = min(start, refusals.get(pupil_id, start))
    if not refusals:
        return []
    found: list[tuple[int, str, Window]] = []
    first_sick: dict[int, tuple[dt.date, Decimal]] = {}
    for pupil_id, day, hours in (
        AbsenceRecord.objects.filter(
            school=school,
            pupil_id__in=list(refusals),
            kind=AbsenceKind.SICK,
            date__gte=since,
            date__lte=today,
        )
        .order_by("pupil_id", "date")
        .values_list("pupil_id", "date", "hours")
    ):
        is_open, last = state.get((pupil_id, ReportReason.OTHER), (False, None))
        if is_open or day < refusals[pupil_id] or (last is not None and day <= last):
            continue
        first_sick.setdefault(pupil_id, (day, hours))
    for pupil_id, (day, hours) in first_sick.items():
        found.append((pupil_id, ReportReason.OTHER, Window(day, day, int(hours * 100))))
    return found


def attendance_case(school: Organisation, pupil_id: int, actor: Actor | None) -> Case | None:
    """The pupil's open attendance case at ``school``, opened by ``actor`` when there is none."""
    return attendance_cases(school, [pupil_id], actor).get(pupil_id)


def attendance_cases(
    school: Organisation, pupil_ids: Collection[int], actor: Actor | None
) -> dict[int, Case]:
    """Pupil id -> the pupil's open attendance case at ``school`` (the newest), the missing
    ones opened by ``actor`` in one go. A pupil without one (no actor, or one who may not
    open it) is left out: the signal stands, the school opens the case."""
    from passend.cases import services as case_services

    cases: dict[int, Case] = {}
    for case in (
        Case.objects.filter(
            kind=CaseKind.ATTENDANCE,
            pupil_id__in=id_rows(sorted(set(pupil_ids))),
            owner=school,
            restricted_since__isnull=True,
        )
        .exclude(phase=Phase.CLOSED)
        .order_by("-opened_at")
    ):
        if case.pupil_id is not None:
            cases.setdefault(case.pupil_id, case)
    missing = sorted(set(pupil_ids) - cases.keys())
    if not missing or actor is None:
        return cases
    try:
        opened = case_services.open_cases(
            actor, kind=CaseKind.ATTENDANCE, pupil_ids=missing, title="Verzuim"
        )
    except (PermissionDenied, ValidationError):
        # The uploader no longer works here: the signals stand, the school opens the cases.
        return cases
    return {**cases, **opened}


@transaction.atomic
def create_reportables(
    school: Organisation,
    findings: Sequence[tuple[int, str, Window]],
    *,
    actor: Actor | None,
    context: AccessContext,
) -> list[ReportableAbsence]:
    """The signals of ``findings`` (pupil, reason, window) with their case, evidence, DUO term
    (ABS-01) and access-log entries, in a fixed number of statements however many there are
    (a school's first import finds hundreds: one at a time took 23 statements each)."""
    from passend.terms import services as term_services

    if not findings:
        return []
    cases = attendance_cases(school, {pupil_id for pupil_id, _r, _w in findings}, actor)
    reportables = ReportableAbsence.objects.bulk_create(
        [
            ReportableAbsence(
                school=school,
                pupil_id=pupil_id,
                case=cases.get(pupil_id),
                reason=reason,
                window_start=window.start,
                trigger_date=window.trigger,
                unauthorised_hours=window.hours,
            )
            for pupil_id, reason, window in findings
        ]
    )
    # The evidence: the pupil's records of the counted kind inside the window.
    records: dict[tuple[int, str], list[tuple[dt.date, uuid.UUID]]] = defaultdict(list)
    for pk, pupil_id, kind, day in AbsenceRecord.objects.filter(
        school=school,
        pupil_id__in=id_rows(sorted({r.pupil_id for r in reportables})),
        kind__in=[AbsenceKind.SICK, AbsenceKind.UNAUTHORISED],
        date__gte=min(r.window_start for r in reportables),
        date__lte=max(r.trigger_date for r in reportables),
    ).values_list("pk", "pupil_id", "kind", "date"):
        records[(pupil_id, kind)].append((day, pk))
    through = ReportableAbsence.evidence.through
    links: list[Any] = []
    for reportable in reportables:
        kind = (
            AbsenceKind.SICK
            if reportable.reason == ReportReason.OTHER
            else AbsenceKind.UNAUTHORISED
        )
        links.extend(
            through(reportableabsence_id=reportable.pk, absencerecord_id=pk)
            for day, pk in records[(reportable.pupil_id, kind)]
            if reportable.window_start <= day <= reportable.trigger_date
        )
    through.objects.bulk_create(links)
    pseudonyms = [subject_pseudonym("pupil", r.pupil_id) for r in reportables]
    terms = term_services.start_terms(
        DUO_REPORT_TERM,
        object_type=ReportableAbsence._meta.label_lower,
        starts=[
            (r.pk, r.trigger_date, pseudonym)
            for r, pseudonym in zip(reportables, pseudonyms, strict=True)
        ],
        owner=school,
        created_by=actor.user if actor else None,
    )
    for reportable, term in zip(reportables, terms, strict=True):
        reportable.term = term
    ReportableAbsence.objects.bulk_update(reportables, ["term"])
    by_reason: dict[str, list[LogItem]] = defaultdict(list)
    for reportable, pseudonym in zip(reportables, pseudonyms, strict=True):
        by_reason[reportable.reason].append(
            LogItem(
                pseudonym,
                ReportableAbsence._meta.label_lower,
                str(reportable.pk),
                ("absence",),
                LEGAL_GROUND,
            )
        )
    for reason, items in by_reason.items():
        record_access_many(
            actor.context if actor else context,
            items,
            action="detect_reportable",
            activity=ACTIVITY,
            reason=f"ABS-01 {reason}",
        )
    return reportables
