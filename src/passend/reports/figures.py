"""The management reports (seed 000 §5 f): tables built from the feature apps' aggregate
selectors, every count suppressed below the threshold (PRV-07) before it leaves this module.

Each builder takes a :class:`Filters` and returns a list of :class:`~passend.reports.tables.Table`.
The number of queries is fixed per report; it does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from passend.arrangements import selectors as arrangement_selectors
from passend.arrangements.models import Arrangement
from passend.attendance import selectors as attendance_selectors
from passend.attendance.models import ReportReason
from passend.inquiries import selectors as inquiry_selectors
from passend.inquiries.models import InquiryKind
from passend.reports.models import ReportSettings
from passend.reports.tables import (
    COUNT,
    DAYS,
    MONEY,
    PERCENT,
    TEXT,
    Cell,
    Table,
    add_measure,
    average,
    count_table,
    share,
)
from passend.tlv import selectors as tlv_selectors
from passend.tlv.models import FundingCategory, Objection, Route, TlvApplication, TlvType


@dataclass(frozen=True)
class Filters:
    swv_ids: list[int]
    start: dt.date
    end: dt.date
    board_id: int | None = None
    school_id: int | None = None
    tlv_type: str = ""
    today: dt.date | None = None


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    return [day.replace(day=1) for day in attendance_selectors.month_ends(start, end)]


def _month_label(day: dt.date) -> str:
    return date_format(day, "M Y")


# --- TLV ---------------------------------------------------------------------------------------

IN_PROGRESS = (
    TlvApplication.Status.SUSPENDED,
    TlvApplication.Status.SUBMITTED,
    TlvApplication.Status.IN_ASSESSMENT,
    TlvApplication.Status.BACK_TO_MDO,
    TlvApplication.Status.ADVISED,
)


def tlv_report(filters: Filters, threshold: int) -> list[Table]:
    config = ReportSettings.current()
    stats = tlv_selectors.statistics(
        swv_ids=filters.swv_ids,
        start=filters.start,
        end=filters.end,
        board_id=filters.board_id,
        school_id=filters.school_id,
        tlv_type=filters.tlv_type,
        today=filters.today,
    )
    return [
        _tlv_volume(stats, threshold),
        *_tlv_terms(stats, threshold),
        _tlv_suspended(stats, threshold),
        _tlv_gavel(stats, threshold),
        _tlv_triage(stats, threshold, config),
        _tlv_granted(stats, threshold),
        _tlv_expiring(stats, threshold),
        *_tlv_objections(stats, threshold),
    ]


def _tlv_volume(stats: tlv_selectors.TlvStatistics, threshold: int) -> Table:
    routes = list(Route)
    matrix = [[0, 0, 0] for _route in routes]
    for r, route in enumerate(routes):
        for status, count in stats.by_route_status.get(route.value, {}).items():
            if status in IN_PROGRESS:
                matrix[r][0] += count
            elif status == TlvApplication.Status.DECIDED:
                matrix[r][1] += count
            elif status == TlvApplication.Status.WITHDRAWN:
                matrix[r][2] += count
    return count_table(
        "tlv_volume",
        _("Ingediende TLV-aanvragen naar route en stand"),
        _("Route"),
        [route.label for route in routes],
        [_("In behandeling"), _("Besluit genomen"), _("Ingetrokken")],
        matrix,
        threshold,
    )


def _term_label(stat: tlv_selectors.TermStatistic) -> str:
    return f"{stat.name} ({stat.length} {stat.unit})"


def _tlv_terms(stats: tlv_selectors.TlvStatistics, threshold: int) -> list[Table]:
    labels = [_term_label(s) for s in stats.terms]
    done = count_table(
        "tlv_terms",
        _("Doorlooptijd tegen elke termijn (TLV-04): afgeronde termijnen"),
        _("Termijn"),
        labels,
        [_("Binnen termijn"), _("Buiten termijn")],
        [[s.within, s.completed - s.within] for s in stats.terms],
        threshold,
        col_totals=False,
        note=_(
            "Dagen zijn kalenderdagen van start tot afronding, zonder de dagen dat de aanvraag "
            "was opgeschort."
        ),
    )
    add_measure(
        done,
        _("Aandeel binnen termijn"),
        [(share(s.within, s.completed), s.completed) for s in stats.terms],
        PERCENT,
        threshold,
        depends_on=(0, 1, 2),
    )
    add_measure(
        done,
        _("Gemiddeld aantal dagen"),
        [(average(s.days_total, s.completed), s.completed) for s in stats.terms],
        DAYS,
        threshold,
        depends_on=(2,),
    )
    done.chart_column = 3
    running = count_table(
        "tlv_open_terms",
        _("Lopende termijnen (TLV-04)"),
        _("Termijn"),
        labels,
        [_("Nog binnen termijn of opgeschort"), _("Termijn verstreken")],
        [[s.open - s.overdue, s.overdue] for s in stats.terms],
        threshold,
        col_totals=False,
    )
    return [done, running]


def _tlv_suspended(stats: tlv_selectors.TlvStatistics, threshold: int) -> Table:
    table = count_table(
        "tlv_suspended",
        _("Opgeschort wegens onvolledigheid"),
        _("Aanvragen"),
        [_("Ingediend in de periode")],
        [_("Ooit opgeschort"), _("Nooit opgeschort")],
        [[stats.suspended, stats.submitted - stats.suspended]],
        threshold,
        col_totals=False,
    )
    add_measure(
        table,
        _("Aandeel opgeschort"),
        [(share(stats.suspended, stats.submitted), stats.submitted)],
        PERCENT,
        threshold,
        depends_on=(0, 1),
    )
    add_measure(
        table,
        _("Gemiddeld aantal dagen opgeschort"),
        [(average(stats.suspended_days, stats.suspended), stats.suspended)],
        DAYS,
        threshold,
        depends_on=(0,),
    )
    table.chart_column = 0
    return table


def _target_cell(table: Table, label: str, text: str, met: bool | None, hidden: bool) -> None:
    table.columns.append(label)
    table.rows[0].cells.append(Cell(text, TEXT))
    table.columns.append(_("Streef gehaald"))
    value = None if met is None else (_("ja") if met else _("nee"))
    table.rows[0].cells.append(Cell(value, TEXT, hidden))


def _tlv_gavel(stats: tlv_selectors.TlvStatistics, threshold: int) -> Table:
    table = count_table(
        "tlv_gavel",
        _("Positieve adviezen bij hamerslag (TLV-12)"),
        _("Adviezen"),
        [_("Positief advies")],
        [_("Bij hamerslag"), _("Na bespreking")],
        [[stats.by_gavel, stats.positive_advice - stats.by_gavel]],
        threshold,
        col_totals=False,
    )
    gavel_share = share(stats.by_gavel, stats.positive_advice)
    add_measure(
        table,
        _("Aandeel bij hamerslag"),
        [(gavel_share, stats.positive_advice)],
        PERCENT,
        threshold,
        depends_on=(0, 1, 2),
    )
    target = stats.hamerslag_target_percent
    met = None if gavel_share is None else gavel_share >= target
    _target_cell(table, _("Streef"), f"{target}%", met, table.rows[0].cells[3].hidden)
    table.chart_column = 0
    return table


TRIAGE_ROWS: list[tuple[str, str]] = [
    ("secretary", gettext_noop("Secretaris alleen")),
    ("secretary_chair", gettext_noop("Secretaris en voorzitter")),
    ("full_4", gettext_noop("CvA breed, advies binnen 4 weken")),
    ("full_10", gettext_noop("CvA breed, advies binnen 10 weken")),
    ("full_later", gettext_noop("CvA breed, later of nog geen advies")),
    ("", gettext_noop("Nog niet verdeeld")),
]


def _tlv_triage(
    stats: tlv_selectors.TlvStatistics, threshold: int, config: ReportSettings
) -> Table:
    counts = [stats.triage.get(code, 0) for code, _label in TRIAGE_ROWS]
    triaged = sum(counts[:-1])
    table = count_table(
        "tlv_triage",
        _("Verdeling over secretaris, voorzitter en CvA breed tegen de streefwaarden (TLV-05)"),
        _("Beoordeeld door"),
        [_(label) for _code, label in TRIAGE_ROWS],
        [_("Aantal")],
        [[c] for c in counts],
        threshold,
        note=_("Aandelen zijn berekend over de verdeelde aanvragen."),
    )
    targets = config.triage_targets()
    shares = [(share(c, triaged), triaged) for c in counts[:-1]] + [(None, triaged), (None, 0)]
    add_measure(table, _("Aandeel"), shares, PERCENT, threshold, depends_on=(0,))
    table.columns.append(_("Streef"))
    table.columns.append(_("Binnen streef"))
    for row, (code, _label) in zip(table.rows, [*TRIAGE_ROWS, ("total", "")], strict=True):
        low_high = targets.get(code)
        if low_high is None:
            row.cells += [Cell(None, TEXT), Cell(None, TEXT)]
            continue
        low, high = low_high
        text = f"{low}%" if low == high else f"{low}\u2013{high}%"
        measure = row.cells[1]
        met = None
        if measure.value is not None:
            # a single target (10%) counts as met within one percent point
            met = (
                (low - (1 if low == high else 0))
                <= measure.value
                <= (high + (1 if low == high else 0))
            )
        row.cells += [
            Cell(text, TEXT),
            Cell(None if met is None else (_("ja") if met else _("nee")), TEXT, measure.hidden),
        ]
    table.chart_column = 0
    return table


def _tlv_granted(stats: tlv_selectors.TlvStatistics, threshold: int) -> Table:
    keys = sorted(stats.granted, key=lambda k: (k[0], k[1] or 0))
    type_labels = dict(TlvType.choices)
    category_labels = dict(FundingCategory.Level.choices)
    labels = [
        f"{type_labels.get(t, t)} — {category_labels.get(c, _('geen categorie')) if c else _('geen categorie')}"
        for t, c in keys
    ]
    table = count_table(
        "tlv_granted",
        _("Afgegeven TLV's naar soort en categorie, met bekostiging (TLV-07)"),
        _("Soort en categorie"),
        labels,
        [_("Aantal")],
        [[stats.granted[k][0]] for k in keys],
        threshold,
        note=_("Bedragen van het schooljaar waarin de TLV ingaat."),
    )
    personnel = [stats.granted[k][1] for k in keys]
    material = [stats.granted[k][2] for k in keys]
    for label, values in (
        (_("Personeel"), personnel),
        (_("Materieel"), material),
        (_("Bekostiging totaal"), [p + m for p, m in zip(personnel, material, strict=True)]),
    ):
        total = sum(values, Decimal("0"))
        bases = [stats.granted[k][0] for k in keys]
        add_measure(
            table,
            label,
            [(Decimal(v), b) for v, b in zip(values, bases, strict=True)] + [(total, sum(bases))],
            MONEY,
            threshold,
            depends_on=(0,),
        )
    # An amount is count x a known rate: a total next to a hidden amount would reveal it.
    for index in (1, 2, 3):
        if any(r.cells[index].hidden for r in table.rows[:-1]):
            table.rows[-1].cells[index].hidden = True
    table.chart_column = 0
    return table


def _tlv_expiring(stats: tlv_selectors.TlvStatistics, threshold: int) -> Table:
    keys = [t for t in TlvType if t.value in stats.expiring]
    return count_table(
        "tlv_expiring",
        _("TLV's die in de periode aflopen"),
        _("Soort"),
        [t.label for t in keys],
        [_("Verlenging aangevraagd"), _("Geen verlenging aangevraagd")],
        [
            [stats.expiring[t.value][1], stats.expiring[t.value][0] - stats.expiring[t.value][1]]
            for t in keys
        ],
        threshold,
    )


def _tlv_objections(stats: tlv_selectors.TlvStatistics, threshold: int) -> list[Table]:
    outcomes = [*Objection.Outcome, "pending"]
    by = list(Objection.By)
    table = count_table(
        "tlv_objections",
        _("Bezwaren en hun uitkomst (TLV-10)"),
        _("Ingediend door"),
        [b.label for b in by],
        [o.label if o != "pending" else _("Nog geen beslissing") for o in outcomes],
        [[stats.objections.get((b.value, str(o)), 0) for o in outcomes] for b in by],
        threshold,
    )
    appeals = count_table(
        "tlv_appeals",
        _("Beroep bij de rechter ingesteld (TLV-10)"),
        _("Bezwaren"),
        [_("Beroep ingesteld")],
        [_("Aantal")],
        [[stats.appeals]],
        threshold,
        col_totals=False,
    )
    return [table, appeals]


# --- arrangements --------------------------------------------------------------------------


def arrangements_report(filters: Filters, threshold: int) -> list[Table]:
    stats = arrangement_selectors.statistics(
        swv_ids=filters.swv_ids,
        start=filters.start,
        end=filters.end,
        board_id=filters.board_id,
        school_id=filters.school_id,
    )
    kinds = sorted({k for k, _s in stats})
    statuses = list(Arrangement.Status)
    matrix = [[stats.get((k, s.value), [0])[0] for s in statuses] for k in kinds]
    table = count_table(
        "arrangements",
        _("Aangevraagde arrangementen naar soort en stand"),
        _("Soort arrangement"),
        kinds,
        [s.label for s in statuses],
        matrix,
        threshold,
    )
    granted_counts = [
        sum(stats.get((k, s), [0])[0] for s in ("granted", "evaluated")) for k in kinds
    ]
    amounts = [
        sum((stats.get((k, s.value), [0, Decimal("0")])[1] for s in statuses), Decimal("0"))
        for k in kinds
    ]
    add_measure(
        table,
        _("Toegekend bedrag"),
        [(a, g) for a, g in zip(amounts, granted_counts, strict=True)]
        + [(sum(amounts, Decimal("0")), sum(granted_counts))],
        MONEY,
        threshold,
    )
    if any(r.cells[-1].hidden for r in table.rows[:-1]):
        table.rows[-1].cells[-1].hidden = True
    table.chart_column = len(statuses)
    return [table]


# --- thuiszitters and absence ------------------------------------------------------------------


def home_stay_report(filters: Filters, threshold: int) -> list[Table]:
    counts = attendance_selectors.home_stay_counts(
        swv_ids=filters.swv_ids,
        start=filters.start,
        end=filters.end,
        board_id=filters.board_id,
        school_id=filters.school_id,
    )
    categories = attendance_selectors.CATEGORIES[:-1]
    subset_code, subset_label = attendance_selectors.CATEGORIES[-1]
    days = sorted(counts)
    labels = [date_format(d, "d-m-Y") for d in days]
    main = count_table(
        "home_stays",
        _("Thuiszitters over de tijd naar categorie (ABS-04), aantal op de peildatum"),
        _("Peildatum"),
        labels,
        [_(label) for _code, label in categories],
        [[counts[d].get(code, 0) for code, _label in categories] for d in days],
        threshold,
        col_totals=False,
    )
    without_offer = count_table(
        "home_stays_without_offer",
        _(subset_label),
        _("Peildatum"),
        labels,
        [_("Aantal")],
        [[counts[d].get(subset_code, 0)] for d in days],
        threshold,
        col_totals=False,
    )
    return [main, without_offer]


def absence_report(filters: Filters, threshold: int) -> list[Table]:
    counts = attendance_selectors.duo_report_counts(
        swv_ids=filters.swv_ids,
        start=filters.start,
        end=filters.end,
        board_id=filters.board_id,
        school_id=filters.school_id,
    )
    months = _months(filters.start, filters.end)
    kinds = list(ReportReason)
    return [
        count_table(
            "duo_reports",
            _("Verzuimmeldingen bij DUO per maand en soort (ABS-01)"),
            _("Maand"),
            [_month_label(m) for m in months],
            [k.label for k in kinds],
            [[counts.get((m, k.value), 0) for k in kinds] for m in months],
            threshold,
        )
    ]


# --- informatiepunt ------------------------------------------------------------------------------


def inquiries_report(filters: Filters, threshold: int) -> list[Table]:
    stats = inquiry_selectors.statistics(
        swv_ids=filters.swv_ids, start=filters.start, end=filters.end, today=filters.today
    )
    months = _months(filters.start, filters.end)
    kinds = list(InquiryKind)
    volume = count_table(
        "inquiries_volume",
        _("Vragen en klachten per maand (INF-01)"),
        _("Maand"),
        [_month_label(m) for m in months],
        [k.label for k in kinds],
        [[stats.received.get((m, k.value), 0) for k in kinds] for m in months],
        threshold,
    )
    handled = count_table(
        "inquiries_answer_times",
        _("Antwoordtijden van het informatiepunt (INF-01)"),
        _("Soort"),
        [k.label for k in kinds],
        [_("Binnen termijn"), _("Buiten termijn")],
        [
            [
                stats.within.get(k.value, 0),
                stats.handled.get(k.value, 0) - stats.within.get(k.value, 0),
            ]
            for k in kinds
        ],
        threshold,
    )
    handled_counts = [stats.handled.get(k.value, 0) for k in kinds]
    within_counts = [stats.within.get(k.value, 0) for k in kinds]
    day_totals = [stats.days_total.get(k.value, 0) for k in kinds]
    add_measure(
        handled,
        _("Aandeel binnen termijn"),
        [(share(w, h), h) for w, h in zip(within_counts, handled_counts, strict=True)]
        + [(share(sum(within_counts), sum(handled_counts)), sum(handled_counts))],
        PERCENT,
        threshold,
        depends_on=(0, 1, 2),
    )
    add_measure(
        handled,
        _("Gemiddeld aantal dagen tot antwoord"),
        [(average(d, h), h) for d, h in zip(day_totals, handled_counts, strict=True)]
        + [(average(sum(day_totals), sum(handled_counts)), sum(handled_counts))],
        DAYS,
        threshold,
        depends_on=(2,),
    )
    handled.chart_column = 3
    overdue = count_table(
        "inquiries_overdue",
        _("Nog open met verstreken termijn"),
        _("Soort"),
        [k.label for k in kinds],
        [_("Aantal")],
        [[stats.open_overdue.get(k.value, 0)] for k in kinds],
        threshold,
    )
    return [volume, handled, overdue]


@dataclass(frozen=True)
class ReportDefinition:
    code: str
    title: str
    build: Callable[[Filters, int], list[Table]]
    has_type: bool = False
    has_school: bool = True


DEFINITIONS: dict[str, ReportDefinition] = {
    "tlv": ReportDefinition(
        "tlv", gettext_noop("Toelaatbaarheidsverklaringen (TLV)"), tlv_report, True
    ),
    "arrangementen": ReportDefinition(
        "arrangementen", gettext_noop("Arrangementen"), arrangements_report
    ),
    "thuiszitters": ReportDefinition(
        "thuiszitters", gettext_noop("Thuiszitters"), home_stay_report
    ),
    "verzuim": ReportDefinition("verzuim", gettext_noop("Verzuimmeldingen (DUO)"), absence_report),
    "informatiepunt": ReportDefinition(
        "informatiepunt", gettext_noop("Informatiepunt"), inquiries_report, has_school=False
    ),
}

__all__ = ["COUNT", "DEFINITIONS", "Filters", "ReportDefinition"]
