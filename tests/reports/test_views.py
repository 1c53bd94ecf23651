"""Report pages: who may read them, the access log, exports with the same (suppressed) figures,
and a constant number of queries as the data grow (PRV-07, seed 000 §5 f)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from passend.privacy.models import AccessLogEntry
from passend.reports import figures
from passend.reports.figures import Filters
from passend.reports.suppression import is_small
from passend.reports.tables import COUNT, HIDDEN, Table
from tests.conftest import verified_client
from tests.reports.conftest import (
    D,
    ReportWorld,
    TlvData,
    add_other_data,
    make_application,
    make_term,
    make_tlv,
    set_threshold,
)

pytestmark = pytest.mark.django_db

YEAR = "?school_year=2026"


def _cells(html: str, key: str) -> list[list[str]]:
    """The body rows of the table of section ``key`` as shown (label + cell texts)."""
    section = html.split(f'id="table-{key}"', 1)[1].split("</table>", 1)[0]
    body = section.split("<tbody", 1)[1]
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        texts = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        ]
        rows.append(texts)
    return rows


def test_prv07_report_read_is_logged_without_subjects(
    world: ReportWorld, tlv_data: TlvData
) -> None:
    client = verified_client(world.director)
    response = client.get("/rapportages/tlv/" + YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "utrecht-table" in html
    assert "style=" not in html.split("<main", 1)[-1]  # CSP: no inline styles
    entry = AccessLogEntry.objects.filter(activity="management_information").latest("id")
    assert (entry.action, entry.object_type, entry.object_id, entry.outcome) == (
        "report",
        "reports.report",
        "tlv",
        "allowed",
    )
    assert entry.subject_pseudonym == ""
    # Aggregates only: no pupil name, no case pseudonym.
    assert "Fenna" not in html and "RPT-" not in html
    assert not AccessLogEntry.objects.filter(
        activity="management_information", subject_pseudonym__gt=""
    ).exists()


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("director", "tlv", 200),
        ("director", "informatiepunt", 200),
        ("secretary", "tlv", 200),
        ("secretary", "thuiszitters", 404),
        ("board_user", "tlv", 200),
        ("board_user", "informatiepunt", 404),
        ("desk", "informatiepunt", 200),
        ("desk", "tlv", 404),
        ("coordinator", "tlv", 404),
        ("officer", "thuiszitters", 404),
    ],
)
def test_reports_per_role(world: ReportWorld, who: str, path: str, status: int) -> None:
    client = verified_client(getattr(world, who))
    response = client.get(f"/rapportages/{path}/")
    assert response.status_code == status
    if status == 404:
        assert AccessLogEntry.objects.filter(
            activity="management_information", outcome="denied", object_id=path
        ).exists()


def test_report_index_lists_the_reports_of_the_role(world: ReportWorld) -> None:
    html = verified_client(world.desk).get("/rapportages/").content.decode()
    assert "/rapportages/informatiepunt/" in html and "/rapportages/tlv/" not in html
    assert verified_client(world.coordinator).get("/rapportages/").status_code == 404


def test_cva_reports_over_the_swvs_it_serves_and_can_narrow(
    world: ReportWorld, tlv_data: TlvData
) -> None:
    set_threshold(1)
    client = verified_client(world.secretary)
    both = _cells(client.get("/rapportages/tlv/" + YEAR).content.decode(), "tlv_volume")
    assert both[-1] == ["Totaal", "2", "5", "0", "7"]  # six of SWV VO Test + X1 of SWV Elders
    narrowed = client.get(f"/rapportages/tlv/{YEAR}&swv={world.other_swv.pk}").content.decode()
    assert _cells(narrowed, "tlv_volume")[-1] == ["Totaal", "0", "1", "0", "1"]


def test_school_board_sees_its_own_schools_only(world: ReportWorld, tlv_data: TlvData) -> None:
    set_threshold(1)
    html = verified_client(world.board_user).get("/rapportages/tlv/" + YEAR).content.decode()
    assert _cells(html, "tlv_volume")[-1] == ["Totaal", "2", "4", "0", "6"]
    assert "SWV Elders" not in html


def _assert_protected(table: Table, threshold: int) -> None:
    """Every small count hidden; no line with a shown total holds exactly one hidden count."""
    count_columns = (
        [i for i, c in enumerate(table.rows[0].cells) if c.kind == COUNT] if table.rows else []
    )
    for row in table.rows:
        for i in count_columns:
            cell = row.cells[i]
            if is_small(cell.value, threshold):
                assert cell.hidden, f"{table.key}: {row.label} {table.columns[i]} = {cell.value}"
    has_total_column = "Totaal" in table.columns
    if has_total_column:
        for row in table.rows:
            assert sum(row.cells[i].hidden for i in count_columns) != 1, (table.key, row.label)
    if table.rows and table.rows[-1].is_total:
        for i in count_columns:
            assert sum(r.cells[i].hidden for r in table.rows) != 1, (table.key, table.columns[i])


def test_prv07_no_report_table_reveals_a_small_count(
    world: ReportWorld, tlv_data: TlvData, other_data: None
) -> None:
    filters = Filters([world.swv.pk], D(2026, 8, 1), D(2027, 7, 31), today=D(2026, 11, 1))
    for definition in figures.DEFINITIONS.values():
        for table in definition.build(filters, 5):
            _assert_protected(table, 5)
    tlv = {t.key: t for t in figures.tlv_report(filters, 5)}
    # Hand-checked: A5 (1) and the 4 decided new applications are hidden; the extension row
    # total (1) is small, so in the column of row totals (5, 1, 0 = 6) the 5 is hidden too.
    volume = tlv["tlv_volume"]
    assert [c.display for c in volume.rows[0].cells] == [HIDDEN, HIDDEN, "0", HIDDEN]
    assert [c.display for c in volume.rows[1].cells] == [HIDDEN, "0", "0", HIDDEN]
    assert [c.display for c in volume.rows[-1].cells] == [HIDDEN, HIDDEN, "0", "6"]
    # Measures over a small base are hidden with their counts (2 of 3 by hamerslag).
    assert all(c.hidden for c in tlv["tlv_gavel"].rows[0].cells[:4])
    # One granted TLV per category: counts and every amount, the total amount too.
    granted = tlv["tlv_granted"]
    assert all(c.hidden for r in granted.rows for c in r.cells[:4])


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8")), delimiter=";"))


def _xlsx_rows(content: bytes) -> dict[str, list[list[str]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {
        sheet.title: [
            [str(v) for v in row if v is not None] for row in sheet.iter_rows(values_only=True)
        ]
        for sheet in workbook.worksheets
    }


def _money_formats(content: bytes, sheet_prefix: str) -> set[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = next(s for s in workbook.worksheets if s.title.startswith(sheet_prefix))
    total = next(row for row in sheet.iter_rows() if row[0].value == "Totaal")
    return {c.number_format for c in total[2:]}


def test_exports_hold_the_same_suppressed_figures(world: ReportWorld, tlv_data: TlvData) -> None:
    client = verified_client(world.director)
    html = client.get("/rapportages/tlv/" + YEAR).content.decode()
    shown = _cells(html, "tlv_volume")
    response = client.get("/rapportages/tlv/" + YEAR + "&formaat=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response.content)
    start = rows.index(["Ingediende TLV-aanvragen naar route en stand"])
    assert rows[start + 2 : start + 2 + len(shown)] == shown
    assert rows[start + 2][1:] == [HIDDEN, HIDDEN, "0", HIDDEN]
    response = client.get("/rapportages/tlv/" + YEAR + "&formaat=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = _xlsx_rows(response.content)
    volume = next(rows for name, rows in sheets.items() if name.startswith("Ingediende TLV"))
    assert volume[2] == ["Nieuwe aanvraag", HIDDEN, HIDDEN, "0", HIDDEN]
    assert volume[-1] == ["Totaal", HIDDEN, HIDDEN, "0", "6"]
    exports = AccessLogEntry.objects.filter(activity="management_information", action="export")
    assert exports.count() == 2


def test_export_amounts_are_decimal_with_euro_format(world: ReportWorld, tlv_data: TlvData) -> None:
    set_threshold(1)
    client = verified_client(world.director)
    rows = _csv_rows(client.get("/rapportages/tlv/" + YEAR + "&formaat=csv").content)
    assert ["Totaal", "3", "€ 32.794,73", "€ 1.446,50", "€ 34.241,23"] in rows
    content = client.get("/rapportages/tlv/" + YEAR + "&formaat=xlsx").content
    granted = next(
        rows for name, rows in _xlsx_rows(content).items() if name.startswith("Afgegeven")
    )
    assert ["Totaal", "3", "32794.73", "1446.5", "34241.23"] in granted  # numbers, not text
    assert _money_formats(content, "Afgegeven") == {'"€" #,##0.00'}


def _more_tlv_data(world: ReportWorld, n: int) -> None:
    for i in range(n):
        app = make_application(
            world,
            submitted_on=D(2026, 9, 1) + dt.timedelta(days=i),
            status="decided",
            triage=["secretary", "full", "secretary_chair"][i % 3],
            advice="positive",
            by_gavel=bool(i % 2),
            decision=True,
            school=[world.region["school_a"], world.region["school_b"]][i % 2],
        )
        day = D(2026, 9, 1) + dt.timedelta(days=i)
        make_term(app, "tlv-advice", day, day + dt.timedelta(28), day + dt.timedelta(20))
        make_tlv(app, 1 + i % 3, D(2026, 10, 1), D(2027, 7, 31))


@pytest.mark.parametrize(
    "path", ["tlv", "arrangementen", "thuiszitters", "verzuim", "informatiepunt"]
)
def test_report_query_count_is_constant(
    world: ReportWorld, tlv_data: TlvData, other_data: None, path: str
) -> None:
    client = verified_client(world.director)
    client.get(f"/rapportages/{path}/{YEAR}")  # warm up (settings rows, session)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/rapportages/{path}/{YEAR}").status_code == 200
        return len(queries)

    small = count()
    _more_tlv_data(world, 12)
    add_other_data(world, kind_name="Tweede soort")
    add_other_data(world, kind_name="Derde soort")
    assert count() == small


def test_home_is_the_dashboard_for_professionals(world: ReportWorld) -> None:
    html = verified_client(world.director).get("/").content.decode()
    assert "Mijn werk" in html and "Termijnen" in html


def test_charts_are_svg_with_their_table(world: ReportWorld, tlv_data: TlvData) -> None:
    set_threshold(1)
    html = verified_client(world.director).get("/rapportages/tlv/" + YEAR).content.decode()
    section = html.split('id="table-tlv_triage"', 1)[1].split("</section>", 1)[0]
    assert 'role="img"' in section and "<title" in section
    # One bar per triage row (six, the zero row with width 0); the largest count (2) gets the
    # full 300 units, a count of 1 half of it.
    assert section.count('<rect x="260"') == 6
    assert 'width="300"' in section and 'width="150"' in section and 'width="0"' in section
    assert "<table" in section


def test_reading_a_report_writes_nothing_but_the_log(world: ReportWorld) -> None:
    from passend.reports.models import ReportSettings

    verified_client(world.director).get("/rapportages/tlv/")
    assert not ReportSettings.objects.exists()
