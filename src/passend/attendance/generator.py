"""The absence part of the region generator (issue 10; ``manage.py generate_region``).

``scale.absence_lines`` absence records for the pupils of every (PO and VO) school over the
school year up to the anchor date, as the school's import would have written them: one import
run per school, a hashed ``record_key`` per line, lesson hours in VO and clock hours in PO. Most
pupils have a few sporadic lines (sick, authorised, sometimes unauthorised or other); about
1.5 % have a cluster of unauthorised absence of 16 hours or more within four lesson weeks and
about 0.3 % a run of more than four lesson weeks (ABS-01).

Who is meldplichtig is then decided by the attendance module's own window arithmetic
(``detection.find_hours_window`` and ``find_long_absence``, with the configured rules, the
SWV's school holidays and the detection look-back), and each finding is written as
``detection.create_reportables`` would: an open ``ReportableAbsence`` on the pupil's open
attendance case (if any), its evidence and its DUO-report term. Running the detection over
the generated region afterwards therefore finds nothing new (tested).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps

from passend.accounts.models import Role, Sector
from passend.attendance.detection import (
    DUO_REPORT_TERM,
    find_hours_window,
    find_long_absence,
    is_lesson_day,
)
from passend.attendance.models import (
    AbsenceImport,
    AbsenceKind,
    AbsenceRecord,
    AttendanceRules,
    ImportStatus,
    ReportableAbsence,
    ReportReason,
)
from passend.cases import generator
from passend.cases.models import Case, CaseKind, Phase
from passend.privacy.context import subject_pseudonym
from passend.terms.models import Term, TermRule
from passend.terms.selectors import school_holiday_dates
from passend.terms.services import compute_due

# The school year of the generated absence (the anchor is 1 June 2026).
YEAR_START = dt.date(2025, 8, 25)
SPORADIC_KINDS: list[tuple[str, int]] = [
    (AbsenceKind.SICK, 50),
    (AbsenceKind.AUTHORISED, 30),
    (AbsenceKind.UNAUTHORISED, 12),
    (AbsenceKind.OTHER, 8),
]
HOURS_CLUSTER_SHARE = 0.015
LONG_RUN_SHARE = 0.003
RECORD_FIELDS = [
    "school_id",
    "pupil_id",
    "source",
    "record_key",
    "date",
    "start_time",
    "end_time",
    "hours",
    "kind",
    "reason_code",
    "import_run_id",
    "entered_by_id",
    "created_at",
    "updated_at",
]


def _centi(hours: str) -> int:
    return int(Decimal(hours) * 100)


def load_defaults() -> None:
    """The module's configuration (term rules and the like) as its data migration loads it.

    A migrated database has it already (every step is a ``get_or_create``); a test database
    that a transactional test flushed has lost it.
    """
    import_module("passend.attendance.migrations.0002_defaults").load(django_apps, None)


@generator.register_part("absence", after="cases")
def generate_absence(g: generator.Generator) -> None:
    """Absence lines for every pupil, and the meldplichtig pupils the module's rules find."""
    load_defaults()
    total = g.scale.absence_lines
    if not total:
        return
    rng = g.rng
    today = generator.ANCHOR.date()
    rules = AttendanceRules.current()
    since = today - timedelta(days=rules.detection_lookback_days)
    threshold = int(rules.threshold_hours * 100)
    term_rule = TermRule.objects.get(code=DUO_REPORT_TERM)
    # Every query runs before the COPY starts (one connection, one statement at a time).
    holidays = {
        swv.id: school_holiday_dates(swv, since - timedelta(days=400), today) for swv in g.swvs
    }
    open_cases: dict[tuple[int, int], int] = {}
    for case_id, owner_id, pupil_id in (
        Case.objects.filter(kind=CaseKind.ATTENDANCE, restricted_since__isnull=True)
        .exclude(phase=Phase.CLOSED)
        .order_by("opened_at", "id")
        .values_list("id", "owner_id", "pupil_id")
    ):
        open_cases[(owner_id, pupil_id)] = case_id  # the newest wins, as attendance_case
    schools = [s for s in g.schools if g.pupils_by_school.get(s.id)]
    school_days: dict[int, list[dt.date]] = {}
    for swv in g.swvs:
        days, day = [], YEAR_START
        while day < today:
            if is_lesson_day(day, holidays[swv.id]):
                days.append(day)
            day += timedelta(days=1)
        school_days[swv.id] = days

    # Who gets a cluster, and how the remaining lines spread (skewed: most pupils few lines).
    pupils = [
        (school, pupil_id) for school in schools for pupil_id in g.pupils_by_school[school.id]
    ]
    clusters: dict[int, str] = {}
    for _school, pupil_id in pupils:
        roll = rng.random()
        if roll < LONG_RUN_SHARE:
            clusters[pupil_id] = ReportReason.LONG_TERM
        elif roll < LONG_RUN_SHARE + HOURS_CLUSTER_SHARE:
            clusters[pupil_id] = ReportReason.SIXTEEN_HOURS
    if not clusters and pupils:
        clusters[pupils[0][1]] = ReportReason.SIXTEEN_HOURS
    cluster_sizes = {
        pupil_id: (23 if reason == ReportReason.LONG_TERM else 6)
        for pupil_id, reason in clusters.items()
    }
    sporadic_total = max(0, total - sum(cluster_sizes.values()))
    weights = [rng.expovariate(1.0) for _ in pupils]
    scale_by = sporadic_total / sum(weights)
    counts = [int(w * scale_by) for w in weights]
    for i in range(sporadic_total - sum(counts)):
        counts[i % len(counts)] += 1

    numbers = itertools.count()
    import_ids = {school.id: g.new_ids(AbsenceImport, 1)[0] for school in schools}
    lines_per_school: dict[int, int] = defaultdict(int)
    reportables: list[tuple[Any, ...]] = []
    evidence: list[tuple[int, str]] = []
    salt = f"passend-bench-absence:{g.seed}:"
    kind_table = [kind for kind, weight in SPORADIC_KINDS for _ in range(weight)]

    def lines() -> Iterator[tuple[Any, ...]]:
        for (school, pupil_id), count in zip(pupils, counts, strict=True):
            po = school.sector == Sector.PO
            source = "parnassys" if po else "magister"
            days = school_days[school.swv_id or g.swvs[0].id]
            created = generator.ANCHOR - timedelta(days=1)
            records: list[tuple[Any, ...]] = []
            n_days = len(days)
            for _ in range(count):
                day = days[int(rng.random() * n_days)]
                kind = kind_table[int(rng.random() * len(kind_table))]
                hours = (
                    rng.choice(("1.00", "2.00", "3.00", "5.50"))
                    if po
                    else rng.choice(("1.00", "1.00", "2.00", "3.00"))
                )
                records.append((day, hours, kind))
            reason = clusters.get(pupil_id)
            if reason is not None:
                recent = [d for d in days if d >= since + timedelta(days=14)]
                size = cluster_sizes[pupil_id]
                first = rng.randrange(max(1, len(recent) - size - 5))
                run = recent[first : first + size]
                for day in run:
                    hours = (
                        ("5.50" if po else "5.00") if reason == ReportReason.LONG_TERM else "3.00"
                    )
                    records.append((day, hours, AbsenceKind.UNAUTHORISED))
            unauthorised: dict[dt.date, int] = defaultdict(int)
            mine: list[tuple[str, dt.date]] = []
            for day, hours, kind in records:
                # 32 hex digits, unique per record: a record_key (the primary key) as COPY and
                # SQLite take it
                ref = hashlib.blake2b(
                    (salt + str(next(numbers))).encode(), digest_size=16
                ).hexdigest()
                if kind == AbsenceKind.UNAUTHORISED:
                    mine.append((ref, day))
                    if since <= day <= today:
                        unauthorised[day] += _centi(hours)
                yield (
                    school.id,
                    pupil_id,
                    source,
                    ref,
                    day,
                    None,
                    None,
                    hours,
                    kind,
                    "",
                    import_ids[school.id],
                    None,
                    created,
                    created,
                )
            lines_per_school[school.id] += len(records)
            if sum(unauthorised.values()) >= threshold or len(unauthorised) > 5 * 4:
                _detect(school, pupil_id, sorted(unauthorised.items()), mine)

    def _detect(
        school: Any, pupil_id: int, days: list[tuple[dt.date, int]], mine: list[tuple[str, dt.date]]
    ) -> None:
        """What ``detection.detect`` finds for this pupil, with the same functions and inputs."""
        school_holidays = holidays[school.swv_id or g.swvs[0].id]
        for reason in (ReportReason.SIXTEEN_HOURS, ReportReason.LONG_TERM):
            if reason == ReportReason.SIXTEEN_HOURS:
                window = find_hours_window(
                    days,
                    school_holidays,
                    threshold_centi=threshold,
                    weeks=rules.window_school_weeks,
                )
                centi = window.centi_hours if window else 0
            else:
                window = find_long_absence(
                    [d for d, _c in days], school_holidays, weeks=rules.long_term_school_weeks
                )
                centi = (
                    sum(c for d, c in days if window.start <= d <= window.trigger) if window else 0
                )
            if window is None:
                continue
            reportable_id = len(reportables)
            reportables.append(
                (
                    reportable_id,
                    school.id,
                    pupil_id,
                    open_cases.get((school.id, pupil_id)),
                    reason,
                    window.start,
                    window.trigger,
                    f"{centi / 100:.2f}",
                    window.trigger,
                )
            )
            evidence.extend(
                (reportable_id, record_key)
                for record_key, day in mine
                if window.start <= day <= window.trigger
            )

    with g.indexes_deferred(AbsenceRecord, primary_key=True):
        g.copy(AbsenceRecord, RECORD_FIELDS, lines())

    # After the COPY: imports, findings, their evidence and DUO-report terms.
    coordinators = {
        p.organisation_id: p.user_id
        for p in reversed(g.people_by_role.get(Role.SUPPORT_COORDINATOR, []))
    }
    signals: dict[int, int] = defaultdict(int)
    for row in reportables:
        signals[row[1]] += 1
    finished = generator.ANCHOR - timedelta(days=1)
    g.copy(
        AbsenceImport,
        [
            "id",
            "school_id",
            "source",
            "requested_by_id",
            "requested_role",
            "trace_id",
            "content",
            "status",
            "total_lines",
            "processed_lines",
            "created_count",
            "updated_count",
            "unchanged_count",
            "rejected_count",
            "signals_count",
            "rejected_lines",
            "ignored_columns",
            "column_labels",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        ],
        [
            (
                import_ids[school.id],
                school.id,
                "parnassys" if school.sector == Sector.PO else "magister",
                coordinators.get(school.id),
                Role.SUPPORT_COORDINATOR,
                "",
                "",
                ImportStatus.DONE,
                lines_per_school[school.id],
                lines_per_school[school.id],
                lines_per_school[school.id],
                0,
                0,
                0,
                signals[school.id],
                "[]",
                "[]",
                "{}",
                "",
                finished - timedelta(minutes=5),
                finished - timedelta(minutes=4),
                finished,
            )
            for school in schools
        ],
    )
    reportable_ids = g.new_ids(ReportableAbsence, len(reportables))
    term_ids = g.new_ids(Term, len(reportables))
    g.copy(
        Term,
        [
            "id",
            "rule_id",
            "object_type",
            "object_id",
            "subject_pseudonym",
            "owner_id",
            "start_date",
            "due_date",
            "suspended_since",
            "suspended_days",
            "extension_reason",
            "extended_by",
            "completed_on",
            "created_by_id",
            "created_at",
        ],
        [
            (
                term_id,
                term_rule.pk,
                "attendance.reportableabsence",
                str(reportable_id),
                subject_pseudonym("pupil", row[2]),
                row[1],
                row[6],
                compute_due(term_rule.unit, row[6], term_rule.length),
                None,
                0,
                "",
                0,
                None,
                None,
                generator.ANCHOR - timedelta(days=1),
            )
            for term_id, reportable_id, row in zip(
                term_ids, reportable_ids, reportables, strict=True
            )
        ],
    )
    g.copy(
        ReportableAbsence,
        [
            "id",
            "school_id",
            "pupil_id",
            "case_id",
            "reason",
            "window_start",
            "trigger_date",
            "unauthorised_hours",
            "status",
            "term_id",
            "detected_at",
        ],
        [
            (
                reportable_id,
                *row[1:8],
                ReportableAbsence.Status.OPEN,
                term_id,
                dt.datetime.combine(row[8], dt.time(6, 0), tzinfo=dt.UTC) + timedelta(days=1),
            )
            for reportable_id, term_id, row in zip(
                reportable_ids, term_ids, reportables, strict=True
            )
        ],
    )
    through = ReportableAbsence.evidence.through
    g.copy(
        through,
        ["id", "reportableabsence_id", "absencerecord_id"],
        (
            (through_id, reportable_ids[index], record_key)
            for through_id, (index, record_key) in zip(
                g.new_ids(through, len(evidence)), evidence, strict=True
            )
        ),
    )
