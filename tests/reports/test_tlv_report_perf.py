"""The TLV management report (issue 10): the figures are computed by aggregates in the database,
in a fixed number of queries, and are exactly those of the former Python computation over Term
objects (TLV-04 term arithmetic: days used without suspension, suspension running up to today,
extensions; TLV-05 triage buckets; TLV-07 funding per school year). PRV-07 suppression is
applied by the reports app and is not touched here."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.terms.models import Term
from passend.tlv import criteria, report_figures
from passend.tlv import selectors as sel
from passend.tlv.models import (
    Advice,
    Decision,
    FundingCategory,
    Objection,
    Tlv,
    TlvApplication,
    TlvSettings,
)
from tests.reports.conftest import (
    D,
    ReportWorld,
    TlvData,
    make_application,
    make_term,
    make_tlv,
)

pytestmark = pytest.mark.django_db


# The computation before issue 10, kept verbatim as the reference: one Term object per term,
# the arithmetic in Python.
def _reference_statistics(
    *,
    swv_ids: list[int],
    start: dt.date,
    end: dt.date,
    board_id: int | None = None,
    school_id: int | None = None,
    tlv_type: str = "",
    today: dt.date | None = None,
) -> sel.TlvStatistics:
    """Management figures of the TLV procedure for applications submitted in [start, end].

    A fixed number of queries whatever the number of applications; the result holds counts,
    days and amounts only (PRV-07 suppression is applied by the reports app)."""
    today = today or timezone.localdate()
    result = sel.TlvStatistics()
    tlv_settings = TlvSettings.current()
    result.hamerslag_target_percent = tlv_settings.hamerslag_target_percent
    scope = sel._scoped_applications(swv_ids, board_id, school_id, tlv_type)
    applications = TlvApplication.objects.filter(
        scope, submitted_on__gte=start, submitted_on__lte=end
    )
    rows = list(
        applications.values_list(
            "pk", "status", "route", "triage", "advice__status", "advice__by_gavel"
        )
    )
    triage_of: dict[str, str] = {}
    for pk, status, route, triage, advice_status, by_gavel in rows:
        result.submitted += 1
        result.by_route[route] = result.by_route.get(route, 0) + 1
        result.by_status[status] = result.by_status.get(status, 0) + 1
        per_route = result.by_route_status.setdefault(route, {})
        per_route[status] = per_route.get(status, 0) + 1
        triage_of[str(pk)] = triage or ""
        if advice_status == Advice.Status.POSITIVE:
            result.positive_advice += 1
            if by_gavel:
                result.by_gavel += 1
        if status == TlvApplication.Status.DECIDED:
            result.decided += 1
    result.positive_decisions = Decision.objects.filter(
        application__in=applications, positive=True
    ).count()
    # Throughput against each term (TLV-04): days used = completed - start - days suspended.
    ids = applications.annotate(text_id=Cast("pk", CharField())).values("text_id")
    stats: dict[str, sel.TermStatistic | None] = {code: None for code in sel.TERM_CODES}
    advice_days: dict[str, int] = {}
    suspended_ids: set[str] = set()
    for term in (
        Term.objects.filter(
            object_type="tlv.tlvapplication", object_id__in=ids, rule__code__in=sel.TERM_CODES
        )
        .select_related("rule")
        .order_by("id")
    ):
        stat = stats[term.rule.code]
        if stat is None:
            stat = stats[term.rule.code] = sel.TermStatistic(
                term.rule.code,
                term.rule.name,
                term.rule.length,
                str(term.rule.get_unit_display()),
            )
        suspended = term.suspended_days + (
            (min(today, term.completed_on or today) - term.suspended_since).days
            if term.suspended_since
            else 0
        )
        if term.rule.code == "tlv-overall" and (suspended or term.suspended_since):
            suspended_ids.add(term.object_id)
            result.suspended_days += suspended
        if term.completed_on is not None:
            days = (term.completed_on - term.start_date).days - term.suspended_days
            stat.completed += 1
            stat.days_total += days
            if term.completed_on <= term.due_date:
                stat.within += 1
            if term.rule.code == "tlv-advice":
                advice_days[term.object_id] = days
        else:
            stat.open += 1
            if term.suspended_since is None and term.due_date < today:
                stat.overdue += 1
    result.terms = [s for s in stats.values() if s is not None]
    result.suspended = len(suspended_ids)
    # Triage split (TLV-05): CvA breed by the time its advice took (4 and 10 weeks).
    for object_id, triage in triage_of.items():
        key = triage
        if triage == "full":
            took = advice_days.get(object_id)
            if took is None:
                key = "full_later"
            elif took <= 28:
                key = "full_4"
            elif took <= 70:
                key = "full_10"
            else:
                key = "full_later"
        result.triage[key] = result.triage.get(key, 0) + 1
    # TLVs granted in the period by type and category, with the funding of their school year.
    funding = {(f.school_year, f.category): f for f in FundingCategory.objects.all().order_by("id")}
    latest: dict[int, Any] = {}
    for (_year, level), f in sorted(funding.items()):
        latest[level] = f
    tlv_scope = sel._scoped_applications(
        swv_ids, board_id, school_id, tlv_type, prefix="decision__application__"
    )
    for tlv_type_value, category, start_date in Tlv.objects.filter(
        tlv_scope, start_date__gte=start, start_date__lte=end
    ).values_list("tlv_type", "category", "start_date"):
        line = result.granted.setdefault((tlv_type_value, category), [0, 0, 0])
        line[0] += 1
        amounts = (
            funding.get((criteria.school_year_of(start_date), category)) or latest.get(category)
            if category
            else None
        )
        if amounts is not None:
            line[1] += amounts.personnel
            line[2] += amounts.material
    # TLVs ending in the period, and whether an extension was applied for.
    live_extension = TlvApplication.objects.filter(
        previous_tlv=OuterRef("pk"), status__in=[*sel._LIVE_STATUSES, TlvApplication.Status.DECIDED]
    )
    for tlv_type_value, extended in (
        Tlv.objects.filter(tlv_scope, end_date__gte=start, end_date__lte=end)
        .annotate(extended=Exists(live_extension))
        .values_list("tlv_type", "extended")
    ):
        line = result.expiring.setdefault(tlv_type_value, [0, 0])
        line[0] += 1
        line[1] += 1 if extended else 0
    # Objections received in the period (TLV-10) and their outcome.
    for lodged_by, outcome, appeal_on in Objection.objects.filter(
        tlv_scope, received_on__gte=start, received_on__lte=end
    ).values_list("lodged_by", "outcome", "appeal_on"):
        outcome_key = (lodged_by, outcome or "pending")
        result.objections[outcome_key] = result.objections.get(outcome_key, 0) + 1
        if appeal_on is not None:
            result.appeals += 1
    return result


def _edge_cases(world: ReportWorld, data: TlvData) -> None:
    """Terms the hand-made fixture lacks: a suspension still running, one completed while
    suspended, suspension days without a running suspension, an extension, two completed advice
    terms (the latest counts), CvA breed advice within 10 weeks and later, an overdue and a
    suspended overdue term, a TLV without category and one of another school year."""
    a5, a6, a3 = data.apps["A5"], data.apps["A6"], data.apps["A3"]
    full_10 = make_application(
        world, submitted_on=D(2026, 9, 3), status="advised", triage="full", advice="positive"
    )
    full_late = make_application(
        world, submitted_on=D(2026, 9, 4), status="decided", triage="full", decision=True
    )
    make_term(full_10, "tlv-advice", D(2026, 9, 3), D(2026, 10, 1), D(2026, 9, 20))
    make_term(full_10, "tlv-advice", D(2026, 9, 3), D(2026, 10, 29), D(2026, 11, 20))
    make_term(
        full_late, "tlv-advice", D(2026, 9, 4), D(2026, 11, 30), D(2026, 12, 20), suspended_days=3
    )
    term = make_term(full_late, "tlv-overall", D(2026, 9, 4), D(2026, 10, 16), D(2026, 12, 21))
    Term.objects.filter(pk=term.pk).update(suspended_since=D(2026, 12, 1), extended_by=4)
    report_figures.refresh([full_late.pk])
    make_term(a6, "tlv-overall", D(2026, 9, 2), D(2026, 10, 20), suspended_days=6)
    make_term(a5, "tlv-board", D(2026, 10, 1), D(2026, 10, 8))  # overdue
    make_term(a5, "tlv-written", D(2026, 10, 1), D(2026, 10, 8), suspended_since=D(2026, 10, 5))
    make_term(a3, "tlv-written", D(2026, 10, 1), D(2026, 10, 8), D(2026, 10, 3))
    make_tlv(full_late, None, D(2026, 11, 1), D(2027, 7, 31))
    FundingCategory.objects.create(
        school_year="2025-2026", category=1, personnel=Decimal("1.11"), material=Decimal("2.22")
    )
    spring = make_application(
        world, submitted_on=D(2026, 7, 20), status="decided", advice="positive", decision=True
    )
    make_tlv(spring, 1, D(2026, 7, 25), D(2027, 7, 31))  # school year 2025-2026 funding
    march = make_application(
        world, submitted_on=D(2027, 2, 1), status="decided", tlv_type="so", decision=True
    )
    make_tlv(march, 2, D(2027, 3, 1), D(2027, 7, 31))


FILTERS: list[dict[str, Any]] = [
    {},
    {"today": D(2026, 10, 3)},
    {"today": D(2026, 12, 10)},
    {"tlv_type": "so"},
    {"tlv_type": "vso", "today": D(2027, 1, 5)},
    {"start": D(2025, 8, 1), "end": D(2027, 7, 31)},
    {"start": D(2020, 1, 1), "end": D(2030, 1, 1), "all_swvs": True},
]


def _kwargs(world: ReportWorld, options: dict[str, Any]) -> dict[str, Any]:
    options = dict(options)
    swv_ids = [world.swv.pk]
    if options.pop("all_swvs", False):
        swv_ids.append(world.other_swv.pk)
    return {
        "swv_ids": swv_ids,
        "start": options.pop("start", D(2026, 8, 1)),
        "end": options.pop("end", D(2027, 7, 31)),
        **options,
    }


@pytest.mark.parametrize("options", FILTERS)
def test_figures_equal_the_former_computation(
    world: ReportWorld, tlv_data: TlvData, options: dict[str, Any]
) -> None:
    _edge_cases(world, tlv_data)
    kwargs = _kwargs(world, options)
    kwargs.setdefault("today", D(2026, 11, 15))
    assert asdict(sel.statistics(**kwargs)) == asdict(_reference_statistics(**kwargs))


@pytest.mark.parametrize("scope", ["board", "school"])
def test_figures_per_board_and_school_equal_the_former_computation(
    world: ReportWorld, tlv_data: TlvData, scope: str
) -> None:
    _edge_cases(world, tlv_data)
    kwargs = _kwargs(world, {"today": D(2026, 11, 15)})
    if scope == "board":
        kwargs["board_id"] = world.region["board"].pk
    else:
        kwargs["school_id"] = world.region["school_a"].pk
    assert asdict(sel.statistics(**kwargs)) == asdict(_reference_statistics(**kwargs))


def test_hand_made_figures(world: ReportWorld, tlv_data: TlvData) -> None:
    """A few figures of the fixture computed by hand (see test_figures.py for all of them)."""
    stats = sel.statistics(
        swv_ids=[world.swv.pk], start=D(2026, 8, 1), end=D(2027, 7, 31), today=D(2026, 11, 1)
    )
    assert stats.submitted == 6
    advice = next(t for t in stats.terms if t.code == "tlv-advice")
    # A1 19, A2 35, A3 24, A6 58 days; within the 4 weeks: A1, A3 (A6 due 30-09, done 30-10)
    assert (advice.completed, advice.within, advice.days_total, advice.open) == (4, 2, 136, 1)
    # A1: 5 days suspended before; A5: suspended since 01-10, still on 01-11: 31 days
    assert (stats.suspended, stats.suspended_days) == (2, 36)
    # CvA breed: A3 advised in 24 days (4 weeks), A6 in 58 (10 weeks)
    assert stats.triage == {
        "secretary": 2,
        "full_4": 1,
        "full_10": 1,
        "secretary_chair": 1,
        "": 1,
    }


def _count_queries(world: ReportWorld) -> int:
    """Queries that read data: not the savepoint and the planner setting around the term
    statistics on PostgreSQL (``sel._random_page_cost``)."""
    with CaptureQueriesContext(connection) as ctx:
        sel.statistics(
            swv_ids=[world.swv.pk], start=D(2026, 8, 1), end=D(2027, 7, 31), today=D(2026, 11, 1)
        )
    statements = [q["sql"] for q in ctx.captured_queries]
    return sum(1 for sql in statements if "SAVEPOINT" not in sql and "random_page_cost" not in sql)


def test_a_fixed_number_of_queries_whatever_the_data(world: ReportWorld) -> None:
    app = make_application(world, submitted_on=D(2026, 9, 1), status="submitted")
    make_term(app, "tlv-receipt", D(2026, 9, 1), D(2026, 9, 8))
    few = _count_queries(world)
    for n in range(8):
        app = make_application(
            world,
            submitted_on=D(2026, 9, 1 + n),
            status="decided",
            triage="full",
            advice="positive",
            decision=True,
        )
        make_term(app, "tlv-advice", D(2026, 9, 1), D(2026, 9, 29), D(2026, 9, 20 + n))
        make_term(app, "tlv-overall", D(2026, 9, 1), D(2026, 10, 13), suspended_days=n)
        make_tlv(app, 1 + n % 3, D(2026, 10, 1), D(2027, 7, 31))
    assert _count_queries(world) == few <= 8  # with the five term rules' labels


def test_no_term_or_application_is_loaded(
    world: ReportWorld, tlv_data: TlvData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Aggregates only: not one Term, application or TLV becomes a Python object."""

    def refuse(cls: Any, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{cls.__name__} loaded")

    for model in (Term, TlvApplication, Tlv, Objection, Decision, Advice):
        monkeypatch.setattr(model, "from_db", classmethod(refuse))
    stats = sel.statistics(
        swv_ids=[world.swv.pk], start=D(2026, 8, 1), end=D(2027, 7, 31), today=D(2026, 11, 1)
    )
    assert stats.submitted == 6 and stats.terms
