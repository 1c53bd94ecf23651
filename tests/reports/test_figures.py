"""Every figure of the management reports against hand-computed values (seed 000 §5 f).

The data are in conftest.py (``tlv_data``, ``other_data``). Threshold 1 switches suppression off
so the raw figures can be checked; test_suppression_in_reports.py checks them suppressed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from passend.reports import figures
from passend.reports.figures import Filters
from passend.reports.tables import Table
from tests.reports.conftest import ReportWorld, TlvData

pytestmark = pytest.mark.django_db

NONE = "\u2013"  # en dash: no value
YEAR = {"start": dt.date(2026, 8, 1), "end": dt.date(2027, 7, 31), "today": dt.date(2026, 11, 1)}


def _tables(tables: list[Table]) -> dict[str, Table]:
    return {t.key: t for t in tables}


def _row(table: Table, label: str) -> list[str]:
    for row in table.rows:
        if row.label == label:
            return [c.display for c in row.cells]
    raise AssertionError(f"no row {label!r} in {[r.label for r in table.rows]}")


def _tlv(world: ReportWorld, threshold: int = 1, **extra: object) -> dict[str, Table]:
    values = {"swv_ids": [world.swv.pk], **YEAR, **extra}
    return _tables(figures.tlv_report(Filters(**values), threshold))  # type: ignore[arg-type]


def test_tlv_volume_by_route_and_state(world: ReportWorld, tlv_data: TlvData) -> None:
    table = _tlv(world)["tlv_volume"]
    assert table.columns == ["In behandeling", "Besluit genomen", "Ingetrokken", "Totaal"]
    assert _row(table, "Nieuwe aanvraag") == ["1", "4", "0", "5"]
    assert _row(table, "Verlenging van een aflopende TLV") == ["1", "0", "0", "1"]
    assert _row(table, "Aanvraag van een school buiten het SWV") == ["0", "0", "0", "0"]
    # A7 (year before) and X1 (other SWV) are not counted.
    assert _row(table, "Totaal") == ["2", "4", "0", "6"]


def test_tlv04_throughput_against_each_term(world: ReportWorld, tlv_data: TlvData) -> None:
    tables = _tlv(world)
    done = tables["tlv_terms"]
    assert done.columns == [
        "Binnen termijn",
        "Buiten termijn",
        "Totaal",
        "Aandeel binnen termijn",
        "Gemiddeld aantal dagen",
    ]
    receipt, advice, overall = (r.label for r in done.rows)
    assert receipt.startswith("Ontvangst TLV-aanvraag bevestigen (1 ")
    # Advice: A1 19 days (in time), A2 35 (late), A3 24 (in time), A6 58 (late) -> 136 / 4.
    assert _row(done, advice) == ["2", "2", "4", "50,0%", "34,0"]
    assert _row(done, receipt) == ["6", "0", "6", "100,0%", "0,0"]
    # Overall: A1 took 26 calendar days of which 5 suspended -> 21.
    assert _row(done, overall) == ["1", "0", "1", "100,0%", "21,0"]
    running = tables["tlv_open_terms"]
    # A4's advice term was due 8-10-2026 (overdue on 1-11); A5's overall term is suspended.
    assert _row(running, advice) == ["0", "1", "1"]
    assert _row(running, overall) == ["1", "0", "1"]


def test_tlv04_suspension_share_and_duration(world: ReportWorld, tlv_data: TlvData) -> None:
    table = _tlv(world)["tlv_suspended"]
    # A1 was suspended 5 days; A5 is suspended since 1-10 (31 days on 1-11): 36 / 2 = 18.
    assert _row(table, "Ingediend in de periode") == ["2", "4", "6", "33,3%", "18,0"]


def test_tlv12_hamerslag_share_against_target(world: ReportWorld, tlv_data: TlvData) -> None:
    table = _tlv(world)["tlv_gavel"]
    # Positive advice: A1 (gavel), A2, A3 (gavel): 2 of 3 = 66,7% < 80%.
    assert _row(table, "Positief advies") == ["2", "1", "3", "66,7%", "80%", "nee"]


def test_tlv05_triage_split_against_targets(world: ReportWorld, tlv_data: TlvData) -> None:
    table = _tlv(world)["tlv_triage"]
    assert table.columns == ["Aantal", "Aandeel", "Streef", "Binnen streef"]
    assert _row(table, "Secretaris alleen") == ["2", "40,0%", "50\u201365%", "nee"]
    assert _row(table, "Secretaris en voorzitter") == ["1", "20,0%", "10%", "nee"]
    # A3: CvA breed with advice after 24 days; A6: after 58 days.
    assert _row(table, "CvA breed, advies binnen 4 weken") == ["1", "20,0%", "20\u201335%", "ja"]
    assert _row(table, "CvA breed, advies binnen 10 weken") == ["1", "20,0%", "5%", "nee"]
    assert _row(table, "CvA breed, later of nog geen advies") == ["0", "0,0%", NONE, NONE]
    assert _row(table, "Nog niet verdeeld") == ["1", NONE, NONE, NONE]
    assert _row(table, "Totaal") == ["6", NONE, NONE, NONE]


def test_tlv07_granted_by_category_with_funding_totals(
    world: ReportWorld, tlv_data: TlvData
) -> None:
    table = _tlv(world)["tlv_granted"]
    assert table.columns == ["Aantal", "Personeel", "Materieel", "Bekostiging totaal"]
    so1, vso1, vso2, total = (r.label for r in table.rows)
    assert so1.startswith("Speciaal onderwijs (SO) — Categorie 1")
    assert _row(table, so1) == ["1", "€ 8.682,52", "€ 371,74", "€ 9.054,26"]
    assert _row(table, vso1) == ["1", "€ 8.682,52", "€ 371,74", "€ 9.054,26"]
    assert _row(table, vso2) == ["1", "€ 15.429,69", "€ 703,02", "€ 16.132,71"]
    assert _row(table, total) == ["3", "€ 32.794,73", "€ 1.446,50", "€ 34.241,23"]
    assert table.rows[-1].cells[3].value == Decimal("34241.23")


def test_tlv_expiring_objections_and_appeals(world: ReportWorld, tlv_data: TlvData) -> None:
    tables = _tlv(world)
    # A7's TLV (extension A4 running) and A2's TLV end on 31-7-2027.
    assert _row(tables["tlv_expiring"], "Voortgezet speciaal onderwijs (VSO)") == ["1", "1", "2"]
    objections = tables["tlv_objections"]
    assert objections.columns == [
        "Gegrond",
        "Ongegrond",
        "Niet-ontvankelijk",
        "Nog geen beslissing",
        "Totaal",
    ]
    assert _row(objections, "Ouders") == ["0", "1", "0", "0", "1"]
    assert _row(objections, "Schoolbestuur") == ["0", "0", "0", "1", "1"]
    assert _row(tables["tlv_appeals"], "Beroep ingesteld") == ["1"]


def test_tlv_filters_by_school_type_and_period(world: ReportWorld, tlv_data: TlvData) -> None:
    assert _row(_tlv(world, tlv_type="so")["tlv_volume"], "Totaal") == ["0", "1", "0", "1"]
    school_b = world.region["school_b"]
    assert _row(_tlv(world, school_id=school_b.pk)["tlv_volume"], "Totaal") == ["0", "0", "0", "0"]
    october = _tlv(world, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))
    assert _row(october["tlv_volume"], "Totaal") == ["1", "0", "0", "1"]
    other = _tables(
        figures.tlv_report(Filters([world.other_swv.pk], **YEAR), 1)  # type: ignore[arg-type]
    )
    assert _row(other["tlv_volume"], "Totaal") == ["0", "1", "0", "1"]


def _other(world: ReportWorld, builder: object) -> dict[str, Table]:
    return _tables(builder(Filters([world.swv.pk], **YEAR), 1))  # type: ignore[operator,arg-type]


def test_arrangements_by_kind_and_state(world: ReportWorld, other_data: None) -> None:
    table = _other(world, figures.arrangements_report)["arrangements"]
    row = _row(table, "Ambulante begeleiding")
    # submitted 1, advised 0, granted 2, refused 1, evaluated 0, withdrawn 0, total 4, € 2.000,50
    assert row == ["1", "0", "2", "1", "0", "0", "4", "€ 2.000,50"]


def test_abs04_home_stays_over_time_by_category(world: ReportWorld, other_data: None) -> None:
    tables = _other(world, figures.home_stay_report)
    table = tables["home_stays"]
    columns = table.columns
    sep = dict(zip(columns, _row(table, "30-09-2026"), strict=True))
    assert sep["Relatief verzuim 4 weken tot 3 maanden"] == "1"
    assert sep["Vrijstelling art. 5 onder a"] == "1"
    assert sep["Totaal"] == "2"
    octo = dict(zip(columns, _row(table, "31-10-2026"), strict=True))
    assert octo["Absoluut verzuim tot en met 3 maanden"] == "1"
    assert octo["Totaal"] == "3"
    dec = dict(zip(columns, _row(table, "31-12-2026"), strict=True))
    assert dec["Relatief verzuim langer dan 3 maanden"] == "1"
    assert dec["Totaal"] == "2"  # the absolute one ended on 20-11
    without = tables["home_stays_without_offer"]
    assert _row(without, "30-11-2026") == ["0"]
    assert _row(without, "31-12-2026") == ["1"]
    assert len(table.rows) == 12


def test_abs01_duo_reports_per_month(world: ReportWorld, other_data: None) -> None:
    table = _other(world, figures.absence_report)["duo_reports"]
    assert table.rows[1].cells[0].display == "2"  # September: two 16-hour reports
    assert table.rows[2].cells[1].display == "1"  # October: one long-term report
    assert _row(table, "Totaal")[-1] == "3"


def test_inf01_volumes_and_answer_times(world: ReportWorld, other_data: None) -> None:
    tables = _other(world, figures.inquiries_report)
    assert _row(tables["inquiries_volume"], "Totaal") == ["2", "1", "3"]
    answer = tables["inquiries_answer_times"]
    # Question 1 answered after 7 days (in time), question 2 after 21 (late): 28 / 2 = 14.
    assert _row(answer, "Vraag") == ["1", "1", "2", "50,0%", "14,0"]
    assert _row(answer, "Klacht") == ["0", "0", "0", NONE, NONE]
    # The complaint was due 29-10-2026 and is still open on 1-11.
    assert _row(tables["inquiries_overdue"], "Klacht") == ["1"]


def test_tlv_report_finds_a_years_tlvs_by_their_own_swv(
    world: ReportWorld, tlv_data: TlvData
) -> None:
    """Issue 10: without a board, school or type filter the TLVs granted and ending in the year
    are read by the TLV's own SWV and date (index tlv_swv_start / tlv_swv_end), not by joining
    every TLV of the region to its decision and application; with such a filter the join is
    still made, for the filter only. The figures themselves are tested above."""

    def tlv_queries(**extra: object) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            _tlv(world, **extra)
        return [q["sql"] for q in queries.captured_queries if 'FROM "tlv_tlv"' in q["sql"]]

    unfiltered = tlv_queries()
    assert len(unfiltered) == 2  # granted, ending
    for sql in unfiltered:
        assert '"tlv_tlv"."swv_id" IN' in sql
        assert 'JOIN "tlv_decision"' not in sql
    for sql in tlv_queries(tlv_type="so"):
        assert '"tlv_tlv"."swv_id" IN' in sql
        assert 'JOIN "tlv_decision"' in sql and '"tlv_tlvapplication"."requested_type"' in sql


def _planner_settings() -> tuple[str, str]:
    """The two planner settings `statements.planned` changes in these tests, as they are now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('random_page_cost'), current_setting('enable_hashjoin')"
        )
        return cursor.fetchone()


def test_tlv_report_reads_one_row_per_application(world: ReportWorld, tlv_data: TlvData) -> None:
    """Issue 10: the applications, their advice, decisions and TLV-04 terms are counted in one
    statement over their figures (``ApplicationFigures``, one row per application), not by
    probing each application's advice, decision and terms, which grew with the SWV's
    applications; and no planner setting is changed for it."""
    before = _planner_settings() if connection.vendor == "postgresql" else None
    with CaptureQueriesContext(connection) as queries:
        _tlv(world)
    sql = [q["sql"] for q in queries.captured_queries]
    figures = [s for s in sql if 'FROM "tlv_applicationfigures"' in s]
    assert len(figures) == 1
    assert "JOIN" not in figures[0] and '"tlv_applicationfigures"."swv_id" IN' in figures[0]
    assert not any(
        'FROM "terms_term"' in s or 'FROM "tlv_advice"' in s or 'JOIN "tlv_advice"' in s
        for s in sql
    )
    assert not any("set_config" in s for s in sql)
    if before is not None:
        assert _planner_settings() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
# serialized_rollback: without it the flush after this test creates the content types again
# with new ids, and a later transactional test on the same worker that restores the serialised
# rows (test_concurrency's) failed on their unique key.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_planner_settings_outside_a_transaction_end_with_their_own() -> None:
    """Issue 10: a page's request is not in a transaction. There the settings are set for the
    statement's own transaction only, in one statement: its COMMIT puts the values back, so
    nothing reads them before or writes them back after."""
    from passend.statements import planned

    before = _planner_settings()
    assert before != ("1.1", "off") and not connection.in_atomic_block
    with (
        CaptureQueriesContext(connection) as queries,
        planned(random_page_cost="1.1", enable_hashjoin="off"),
    ):
        assert _planner_settings() == ("1.1", "off")
    assert _planner_settings() == before
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("set_config" in s for s in sql) == 1
    assert not any("current_setting('random_page_cost')" in s and "set_config" in s for s in sql)
