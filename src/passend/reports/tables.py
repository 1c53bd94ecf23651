"""Report tables: counts with their totals, measures derived from them, all suppressed (PRV-07)
in one place before anything is shown, charted or exported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from passend.arrangements.services import euro
from passend.reports.suppression import hide_measure, suppress

HIDDEN = "*"

COUNT = "count"
PERCENT = "percent"
DAYS = "days"
MONEY = "money"
TEXT = "text"


@dataclass
class Cell:
    value: Any
    kind: str = COUNT
    hidden: bool = False

    @property
    def display(self) -> str:
        if self.hidden:
            return HIDDEN
        if self.value is None:
            return "\u2013"
        if self.kind == PERCENT:
            return f"{self.value:.1f}%".replace(".", ",")
        if self.kind == DAYS:
            return f"{self.value:.1f}".replace(".", ",")
        if self.kind == MONEY:
            return euro(self.value)
        return str(self.value)

    @property
    def export_value(self) -> Any:
        """The value for Excel: a number where there is one, the marker where hidden."""
        if self.hidden:
            return HIDDEN
        if self.value is None:
            return ""
        if self.kind in (PERCENT, DAYS):
            return round(float(self.value), 1)
        return self.value

    @property
    def number(self) -> float | None:
        """For charts: None when hidden or empty."""
        if self.hidden or self.value is None or self.kind == TEXT:
            return None
        return float(self.value)


@dataclass
class Row:
    label: str
    cells: list[Cell]
    is_total: bool = False


@dataclass
class Table:
    key: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    note: str = ""
    chart_column: int | None = 0  # index into columns of the value drawn as a bar

    @property
    def has_hidden(self) -> bool:
        return any(c.hidden for r in self.rows for c in r.cells)

    def column(self, label: str) -> list[Cell]:
        index = self.columns.index(label)
        return [r.cells[index] for r in self.rows]

    def cell(self, row_label: str, column_label: str) -> Cell:
        index = self.columns.index(column_label)
        for row in self.rows:
            if row.label == row_label:
                return row.cells[index]
        raise KeyError(row_label)

    @property
    def chart_rows(self) -> list[tuple[str, Cell]]:
        if self.chart_column is None:
            return []
        return [(r.label, r.cells[self.chart_column]) for r in self.rows if not r.is_total]


def _label(value: str | Promise) -> str:
    return str(value)


def count_table(
    key: str,
    title: str | Promise,
    row_header: str | Promise,
    row_labels: Sequence[str | Promise],
    col_labels: Sequence[str | Promise],
    matrix: Sequence[Sequence[int]],
    threshold: int,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    note: str | Promise = "",
) -> Table:
    """A count table with its totals, suppressed with complementary suppression."""
    columns = [_label(c) for c in col_labels]
    if row_totals and len(columns) > 1:
        columns.append(_("Totaal"))
    publish_row_totals = row_totals and len(col_labels) > 1
    result = suppress(matrix, threshold, row_totals=publish_row_totals, col_totals=col_totals)
    table = Table(key, _label(title), _label(row_header), columns, note=_label(note))
    for r, label in enumerate(row_labels):
        cells = [Cell(v, COUNT, result.cells[r][c]) for c, v in enumerate(matrix[r])]
        if publish_row_totals:
            cells.append(Cell(sum(matrix[r]), COUNT, result.row_totals[r]))
        table.rows.append(Row(_label(label), cells))
    if col_totals and not row_labels:
        width = len(col_labels) + (1 if publish_row_totals else 0)
        table.rows.append(Row(_("Totaal"), [Cell(0) for _c in range(width)], is_total=True))
    elif col_totals:
        cells = [
            Cell(sum(matrix[r][c] for r in range(len(matrix))), COUNT, result.col_totals[c])
            for c in range(len(col_labels))
        ]
        if publish_row_totals:
            cells.append(Cell(sum(sum(r) for r in matrix), COUNT, result.grand_total))
        table.rows.append(Row(_("Totaal"), cells, is_total=True))
    table.chart_column = len(columns) - 1
    return table


def add_measure(
    table: Table,
    label: str | Promise,
    values: Sequence[tuple[Any, int]],
    kind: str,
    threshold: int,
    *,
    depends_on: Sequence[int] = (),
) -> None:
    """Append a column of measures (share, average days, amount), one per row of ``table``.

    ``values[i] = (value, base)``: the measure of row i and the number of cases behind it. It is
    hidden when the base is a small count, or when a count it is computed from is hidden (a
    share next to a hidden count would give the count away)."""
    table.columns.append(_label(label))
    for row, (value, base) in zip(table.rows, values, strict=True):
        hidden = hide_measure(base, threshold) or any(row.cells[i].hidden for i in depends_on)
        row.cells.append(Cell(value, kind, hidden))


def share(part: int, whole: int) -> float | None:
    return None if not whole else 100 * part / whole


def average(total: int | Decimal, count: int) -> float | None:
    return None if not count else float(total) / count
