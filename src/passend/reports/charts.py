"""Server-rendered SVG bar charts (no JavaScript, no inline styles: CSP). Each chart sits next
to its table, which is the accessible version of the same figures."""

from __future__ import annotations

from dataclasses import dataclass

from passend.reports.tables import HIDDEN, PERCENT, Table

WIDTH = 640
LABEL_WIDTH = 260
BAR_AREA = 300
BAR_HEIGHT = 18
GAP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    display: str
    y: int
    width: int
    text_x: int
    hidden: bool

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 4


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    height: int
    bar_x: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    width: int = WIDTH


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def chart_for(table: Table) -> Chart | None:
    rows = table.chart_rows
    if not rows or table.chart_column is None:
        return None
    numbers = [cell.number for _label, cell in rows]
    is_percent = rows[0][1].kind == PERCENT
    top = 100.0 if is_percent else max([n for n in numbers if n is not None] or [0.0])
    bars = []
    for index, (label, cell) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        value = cell.number
        width = 0 if value is None or top <= 0 else round(BAR_AREA * value / top)
        bars.append(
            Bar(
                label=_short(label),
                display=cell.display if not cell.hidden else HIDDEN,
                y=y,
                width=max(width, 0),
                text_x=LABEL_WIDTH + max(width, 0) + 6,
                hidden=cell.hidden,
            )
        )
    height = GAP + len(rows) * (BAR_HEIGHT + GAP)
    return Chart(f"{table.title} — {table.columns[table.chart_column]}", bars, height)
