"""Export of a report to CSV and Excel: the same tables, the same suppressed figures."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from passend.reports.tables import MONEY, Table


def to_csv(title: str, caption: str, tables: list[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([title])
    writer.writerow([caption])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([table.row_header, *table.columns])
        for row in table.rows:
            writer.writerow([row.label, *(cell.display for cell in row.cells)])
        if table.note:
            writer.writerow([table.note])
    return out.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", title)[:28] or "Tabel"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base[:25]} {n}"
    used.add(name)
    return name


EURO_FORMAT = '"€" #,##0.00'


def to_xlsx(title: str, caption: str, tables: list[Table]) -> bytes:
    """An Excel workbook: a cover sheet and one sheet per table, numbers as numbers, amounts
    with the euro format, hidden cells as the marker (the same figures as on screen)."""
    # Imported on first export, not in every web worker at start (issue 10: worker memory).
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    cover = workbook.active
    assert cover is not None  # noqa: S101 - a new workbook has one sheet
    cover.title = "Rapportage"
    cover.append([title])
    cover.append([caption])
    cover["A1"].font = bold
    used = {"Rapportage"}
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.title, used))
        sheet.column_dimensions["A"].width = 48
        sheet.append([table.title])
        sheet.append([table.row_header, *table.columns])
        for cell in (*sheet[1], *sheet[2]):
            cell.font = bold
        for row in table.rows:
            sheet.append([row.label, *(_value(c.export_value) for c in row.cells)])
            line = sheet[sheet.max_row]
            if row.is_total:
                line[0].font = bold
            for cell, source in zip(line[1:], row.cells, strict=False):
                if source.kind == MONEY and not source.hidden:
                    cell.number_format = EURO_FORMAT
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _value(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    return value  # numbers (Decimal included) stay numbers
