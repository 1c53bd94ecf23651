"""Reads of the attendance module. Every read of pupil data is scoped and logged.

* The school's own lists (imports, meldplichtig pupils) start from the organisation of the
  acting support coordinator: the school's own task (Leerplichtwet art. 21a). Each pupil
  shown is logged (``record_access_many``).
* Case pages start from ``access.selectors.get_case`` (policy + log; 404 when denied) and show
  module rows only as far as ``row.access.can_see(category)`` allows.
* The thuiszitters list starts from ``access.involved_cases``: SWV staff and leerplicht see the
  thuiszitters whose case they take part in (ABS-05 through the one policy).
* The Inspectie export holds counts only, no personal data, small counts suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from passend.access import selectors as access
from passend.access.batch import AccessLogBatch, InvolvedCase
from passend.access.selectors import CaseRow
from passend.accounts.models import Organisation
from passend.attendance.models import (
    AbsenceImport,
    AbsenceRecord,
    AttendanceRules,
    DuoReport,
    ExemptionGround,
    HomeStay,
    HomeStayKind,
    OfficerNote,
    PreventiveNote,
    ReportableAbsence,
)
from passend.cases.models import Case, CaseKind
from passend.prepared import PreparedQuery, aggregated, opaque_id
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.services import LogItem, record_access_many
from passend.terms.calendar import add_months, add_weeks

ACTIVITY = "attendance"
LEGAL_GROUND = "Leerplichtwet 1969 art. 21a"


# --- imports ------------------------------------------------------------------------------


def imports_for_school(school: Organisation) -> QuerySet[AbsenceImport]:
    return AbsenceImport.objects.filter(school=school).defer("content")


def import_for_school(school: Organisation, pk: int) -> AbsenceImport | None:
    return imports_for_school(school).filter(pk=pk).first()


# --- meldplichtig -------------------------------------------------------------------------


def reportables_for_school(
    request: HttpRequest,
    school: Organisation,
    *,
    status: str = ReportableAbsence.Status.OPEN,
    log: AccessLogBatch | None = None,
    light: bool = False,
) -> list[ReportableAbsence]:
    """The school's meldplichtige pupils with evidence and term; each pupil shown is logged.

    ``log``: the caller's batch (written by the caller); ``light``: pupil and term only, no
    evidence (the dashboard's count and terms)."""
    # The school's rows by the school's index, whichever school (``opaque_id``, issue 10).
    queryset = ReportableAbsence.objects.filter(school_id=opaque_id(school.pk))
    if status:
        queryset = queryset.filter(status=status)
    if light:
        queryset = queryset.select_related("pupil", "term", "term__rule")
    else:
        queryset = queryset.select_related("pupil", "term", "term__rule", "case").prefetch_related(
            Prefetch("evidence", queryset=AbsenceRecord.objects.order_by("date", "start_time"))
        )
    rows = list(queryset.order_by("trigger_date", "id")[:500])
    if log is not None:
        log.items(ACTIVITY, reportable_items(rows))
    else:
        log_reportables(AccessContext.from_request(request), rows)
    return rows


def school_reportables_summary(
    school_id: int, today: dt.date, limit: int
) -> tuple[tuple[int, int, int], list[ReportableAbsence]]:
    """The start page's meldplichtige pupils of the school: the numbers open, open with a
    term and overdue, and the first ``limit`` with a term (most urgent first, with pupil and
    term), not logged; by queries compiled once (``prepared``)."""
    (counts,) = _SUMMARY.fetch(school=school_id, today=today)
    first = _FIRST_WITH_TERM.fetch(limit, school=school_id) if counts[1] else []
    return counts, first


def _summary_query(*, school: int, today: dt.date) -> Any:
    # This statement and the next read a school's few rows by the school's index, whichever
    # school: one plan for every school (``opaque_id``), not planned again at each request
    # (issue 10, session 42).
    return aggregated(
        ReportableAbsence.objects.filter(
            school_id=opaque_id(school), status=ReportableAbsence.Status.OPEN
        ),
        open=Count("pk"),
        total=Count("pk", filter=Q(term__isnull=False)),
        overdue=Count("pk", filter=Q(term__due_date__lt=today)),
    )


def _first_with_term_query(limit: int, *, school: int) -> Any:
    return (
        ReportableAbsence.objects.filter(
            school_id=opaque_id(school), status=ReportableAbsence.Status.OPEN, term__isnull=False
        )
        .select_related("pupil", "term", "term__rule")
        .order_by("term__due_date", "id")[:limit]
    )


_SUMMARY = PreparedQuery(_summary_query, school=int, today=dt.date)
_FIRST_WITH_TERM = PreparedQuery(_first_with_term_query, school=int)


def reportable_items(rows: list[ReportableAbsence]) -> list[LogItem]:
    return [
        LogItem(
            subject_pseudonym=subject_pseudonym("pupil", r.pupil_id),
            object_type="attendance.reportableabsence",
            object_id=str(r.pk),
            data_categories=(DataCategory.ORDINARY, DataCategory.ABSENCE),
            legal_ground=LEGAL_GROUND,
        )
        for r in rows
    ]


def log_reportables(context: AccessContext, rows: list[ReportableAbsence]) -> None:
    record_access_many(context, reportable_items(rows), action="list", activity=ACTIVITY)


def reportable_for_school(school: Organisation, pk: int) -> ReportableAbsence | None:
    return (
        ReportableAbsence.objects.filter(school=school, pk=pk)
        .select_related("pupil", "case", "term")
        .first()
    )


CASE_LIMIT = 500


def attendance_case_ids(index: list[InvolvedCase]) -> list[int]:
    """The attendance cases of ``reportables_in_cases``, picked from ``batch.involved_index``:
    own involvement, the latest 500."""
    return [c.pk for c in index if c.kind == CaseKind.ATTENDANCE][:CASE_LIMIT]


def reportables_in_cases(
    request: HttpRequest,
    *,
    rows: list[CaseRow] | None = None,
    log: AccessLogBatch | None = None,
    light: bool = False,
) -> list[tuple[ReportableAbsence, CaseRow]]:
    """Meldplichtig signals on attendance cases the user takes part in (API for other roles):
    policy-decided per case, and shown only where the viewer may see absence data.

    ``rows``: the decided rows of ``attendance_case_ids`` when the caller decided them already
    (the dashboard); ``log``: the caller's batch; ``light``: pupil and term only, no evidence."""
    if rows is None:
        cases = list(
            access.with_policy_data(
                access.involved_cases(request.user, getattr(request, "membership", None)).filter(
                    kind=CaseKind.ATTENDANCE
                )
            )[:CASE_LIMIT]
        )
        rows = access.decide_rows(request, cases)
    by_case = {row.case.pk: row for row in rows if row.access.can_see(DataCategory.ABSENCE)}
    queryset = ReportableAbsence.objects.filter(case_id__in=list(by_case)).select_related(
        "pupil", "term", "term__rule"
    )
    if not light:
        queryset = queryset.prefetch_related("evidence")
    result = (
        [
            (r, by_case[r.case_id])
            for r in queryset.order_by("trigger_date", "id")
            if r.case_id is not None
        ]
        if by_case
        else []
    )
    if log is not None:
        log.items(ACTIVITY, reportable_items([r for r, _row in result]))
    else:
        log_reportables(AccessContext.from_request(request), [r for r, _row in result])
    return result


# --- the attendance case page ------------------------------------------------------------


@dataclass
class AttendanceDetail:
    reportables: list[ReportableAbsence] = field(default_factory=list)
    reports: list[DuoReport] = field(default_factory=list)
    notes: list[OfficerNote] = field(default_factory=list)
    recent: list[AbsenceRecord] = field(default_factory=list)
    has_duo_report: bool = False
    home_stay: HomeStay | None = None


def attendance_detail(row: CaseRow, *, recent_days: int = 56) -> AttendanceDetail:
    """Module rows of an authorised case (``get_case`` decided and logged it), limited to the
    categories the viewer may see: absence data only with category 'absence'."""
    case = row.case
    detail = AttendanceDetail()
    if case.pupil_id is not None:
        detail.has_duo_report = DuoReport.objects.filter(pupil_id=case.pupil_id).exists()
    if case.kind == CaseKind.HOME_STAY:
        detail.home_stay = (
            HomeStay.objects.filter(case=case)
            .select_related("swv", "school", "consultation_case")
            .first()
        )
    if not row.access.can_see(DataCategory.ABSENCE):
        return detail
    detail.reportables = list(
        ReportableAbsence.objects.filter(case=case)
        .select_related("term", "term__rule")
        .prefetch_related(
            Prefetch("evidence", queryset=AbsenceRecord.objects.order_by("date", "start_time"))
        )
    )
    detail.reports = list(
        DuoReport.objects.filter(case=case).select_related("municipality", "attendance_officer")
    )
    detail.notes = list(
        OfficerNote.objects.filter(case=case).select_related("author", "organisation")
    )
    if case.pupil_id is not None:
        since = timezone.localdate() - dt.timedelta(days=recent_days)
        detail.recent = list(
            AbsenceRecord.objects.filter(
                pupil_id=case.pupil_id, school_id=case.owner_id, date__gte=since
            ).order_by("-date", "-start_time")[:200]
        )
    return detail


# --- leerplicht preventive notes -----------------------------------------------------------


def preventive_notes(membership: Any) -> QuerySet[PreventiveNote]:
    """School-level notes (no pupil data): leerplicht sees its municipality's, a school its own."""
    if membership is None:
        return PreventiveNote.objects.none()
    queryset = PreventiveNote.objects.select_related("school", "organisation", "author")
    if membership.organisation.kind == "school":
        return queryset.filter(school=membership.organisation)
    return queryset.filter(organisation=membership.organisation)


def schools() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind="school", is_active=True).order_by("name")


# --- thuiszitters ---------------------------------------------------------------------------


def flag_date(home_stay: HomeStay, months: int) -> dt.date:
    return add_months(home_stay.start_date, months)


def is_flagged(home_stay: HomeStay, *, today: dt.date, months: int) -> bool:
    """ABS-04: at home longer than ``months`` (3) without a suitable offer. Exemptions are not
    flagged; a thuiszitter with a realised suitable offer is not either. The day exactly
    three months after the start is still within the term; the day after is flagged."""
    if home_stay.kind == HomeStayKind.EXEMPTION or home_stay.status != HomeStay.Status.OPEN:
        return False
    if home_stay.offer_suitable:
        return False
    return today > flag_date(home_stay, months)


@dataclass(frozen=True)
class HomeStayRow:
    row: CaseRow
    home_stay: HomeStay
    flagged: bool
    flag_date: dt.date


def home_stay_case_ids(index: list[InvolvedCase]) -> list[int]:
    """The thuiszitter cases of ``home_stay_rows``, picked from ``batch.involved_index``: own
    involvement, the latest 500."""
    return [c.pk for c in index if c.kind == CaseKind.HOME_STAY][:CASE_LIMIT]


def home_stay_rows(
    request: HttpRequest,
    *,
    include_closed: bool = False,
    rows: list[CaseRow] | None = None,
    log: AccessLogBatch | None = None,
) -> list[HomeStayRow]:
    """Thuiszitters whose case the user takes part in, decided by the policy and logged.

    ``rows``: the decided rows of ``home_stay_case_ids`` when the caller decided them already
    (the dashboard); ``log``: the caller's batch (written by the caller)."""
    if rows is None:
        queryset = access.involved_cases(request.user, getattr(request, "membership", None)).filter(
            kind=CaseKind.HOME_STAY
        )
        cases = list(access.with_policy_data(queryset)[:CASE_LIMIT])
        rows = access.decide_rows(request, cases)
    stays = (
        {
            h.case_id: h
            for h in HomeStay.objects.filter(case_id__in=[r.case.pk for r in rows]).select_related(
                "swv", "school"
            )
        }
        if rows
        else {}
    )
    if log is not None:
        log.rows(rows)
    else:
        access.log_rows(request, rows)
    months = AttendanceRules.current().home_stay_flag_months
    today = timezone.localdate()
    result = []
    for row in rows:
        stay = stays.get(row.case.pk)
        if stay is None or (not include_closed and stay.status != HomeStay.Status.OPEN):
            continue
        result.append(
            HomeStayRow(
                row, stay, is_flagged(stay, today=today, months=months), flag_date(stay, months)
            )
        )
    result.sort(key=lambda r: (not r.flagged, r.home_stay.start_date))
    return result


def consultation_cases(request: HttpRequest) -> QuerySet[Case]:
    """Consultation cases (verzuimoverleg / thuiszittersoverleg) the user takes part in."""
    return access.involved_cases(request.user, getattr(request, "membership", None)).filter(
        kind=CaseKind.CONSULTATION
    )


# --- Inspectie export ------------------------------------------------------------------------

# The categories, in the order of the export (docs/modules/attendance.md).
CATEGORIES: list[tuple[str, str]] = [
    ("relative_under_4_weeks", gettext_noop("Relatief verzuim korter dan 4 weken")),
    ("relative_4_weeks_3_months", gettext_noop("Relatief verzuim 4 weken tot 3 maanden")),
    ("relative_over_3_months", gettext_noop("Relatief verzuim langer dan 3 maanden")),
    ("absolute_up_to_3_months", gettext_noop("Absoluut verzuim tot en met 3 maanden")),
    ("absolute_over_3_months", gettext_noop("Absoluut verzuim langer dan 3 maanden")),
    ("exemption_5a", gettext_noop("Vrijstelling art. 5 onder a")),
    ("exemption_5b", gettext_noop("Vrijstelling art. 5 onder b")),
    ("exemption_5c", gettext_noop("Vrijstelling art. 5 onder c")),
    ("exemption_15", gettext_noop("Vrijstelling art. 15")),
    (
        "without_offer_over_3_months",
        gettext_noop("Waarvan langer dan 3 maanden zonder passend aanbod"),
    ),
]


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1..4")
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = add_months(start, 3) - dt.timedelta(days=1)
    return start, end


def category_of(home_stay: HomeStay, on: dt.date, months: int) -> list[str]:
    """The categories a registration counts in on the reference date ``on``."""
    if home_stay.kind == HomeStayKind.EXEMPTION:
        ground = home_stay.exemption_ground or ExemptionGround.ART_5A
        return [f"exemption_{ground}"]
    over = on > add_months(home_stay.start_date, months)
    found: list[str] = []
    if home_stay.kind == HomeStayKind.RELATIVE:
        if on < add_weeks(home_stay.start_date, 4):
            found.append("relative_under_4_weeks")
        else:
            found.append("relative_over_3_months" if over else "relative_4_weeks_3_months")
    else:
        found.append("absolute_over_3_months" if over else "absolute_up_to_3_months")
    suitable = home_stay.offer_suitable and (
        home_stay.offer_since is None or home_stay.offer_since <= on
    )
    if over and not suitable:
        found.append("without_offer_over_3_months")
    return found


@dataclass(frozen=True)
class ExportRow:
    code: str
    label: str
    at_start: str
    new: str
    ended: str
    at_end: str


def _active_on(stay: HomeStay, on: dt.date) -> bool:
    return stay.start_date <= on and (stay.end_date is None or stay.end_date > on)


def inspectie_export(swv: Organisation, year: int, quarter: int) -> list[ExportRow]:
    """Counts per category for one quarter: active on the first day, new in the quarter,
    ended in the quarter, active on the last day. Counts below the configured threshold
    (default 5) are shown as "<5"; zero stays 0. No personal data leaves."""
    start, end = quarter_bounds(year, quarter)
    rules = AttendanceRules.current()
    months, minimum = rules.home_stay_flag_months, rules.export_min_count
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    stays = HomeStay.objects.filter(swv=swv, start_date__lte=end).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )
    for stay in stays.only(
        "kind", "exemption_ground", "start_date", "end_date", "offer_suitable", "offer_since"
    ):
        if _active_on(stay, start):
            for code in category_of(stay, start, months):
                counts[code][0] += 1
        if start <= stay.start_date <= end:
            for code in category_of(stay, stay.start_date, months):
                counts[code][1] += 1
        if stay.end_date is not None and start <= stay.end_date <= end:
            for code in category_of(stay, stay.end_date, months):
                counts[code][2] += 1
        if _active_on(stay, end):
            for code in category_of(stay, end, months):
                counts[code][3] += 1

    def shown(value: int) -> str:
        return str(value) if value == 0 or value >= minimum else f"<{minimum}"

    return [
        ExportRow(code, _(label), *(shown(v) for v in counts[code])) for code, label in CATEGORIES
    ]


# --- management information (module f, PRV-07): aggregates only -----------------------------


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of every month that ends in [start, end], plus ``end`` itself if the period
    stops mid-month: the reference dates of "thuiszitters over time"."""
    days: list[dt.date] = []
    month_start = dt.date(start.year, start.month, 1)
    while month_start <= end:
        last = add_months(month_start, 1) - dt.timedelta(days=1)
        days.append(min(last, end))
        month_start = add_months(month_start, 1)
    return days


def home_stay_counts(
    *,
    swv_ids: list[int],
    start: dt.date,
    end: dt.date,
    board_id: int | None = None,
    school_id: int | None = None,
) -> dict[dt.date, dict[str, int]]:
    """ABS-04 over time: per month-end in the period, how many registrations count in each
    Inspectie category (``CATEGORIES``). One query; counts only."""
    months = AttendanceRules.current().home_stay_flag_months
    stays = HomeStay.objects.filter(swv_id__in=swv_ids, start_date__lte=end).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )
    if board_id:
        stays = stays.filter(school__board_id=board_id)
    if school_id:
        stays = stays.filter(school_id=school_id)
    reference = month_ends(start, end)
    result: dict[dt.date, dict[str, int]] = {day: defaultdict(int) for day in reference}
    for stay in stays.only(
        "kind", "exemption_ground", "start_date", "end_date", "offer_suitable", "offer_since"
    ):
        for day in reference:
            if _active_on(stay, day):
                for code in category_of(stay, day, months):
                    result[day][code] += 1
    return {day: dict(counts) for day, counts in result.items()}


def duo_report_counts(
    *,
    swv_ids: list[int],
    start: dt.date,
    end: dt.date,
    board_id: int | None = None,
    school_id: int | None = None,
) -> dict[tuple[dt.date, str], int]:
    """ABS-01: DUO absence reports per month (first day of the month) and kind. One query."""
    reports = DuoReport.objects.filter(
        case__owner__swv_id__in=swv_ids, reported_on__gte=start, reported_on__lte=end
    )
    if board_id:
        reports = reports.filter(case__owner__board_id=board_id)
    if school_id:
        reports = reports.filter(case__owner_id=school_id)
    result: dict[tuple[dt.date, str], int] = defaultdict(int)
    for kind, reported_on in reports.values_list("kind", "reported_on"):
        result[(reported_on.replace(day=1), kind)] += 1
    return dict(result)
