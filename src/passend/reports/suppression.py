"""Small-cell suppression for anonymised statistics (PRV-07).

Reports and statistics must not allow re-identification. Every count table goes through
:func:`suppress` before it is shown or exported:

1. **Primary suppression.** A count ``0 < n < threshold`` is hidden (zero is shown: it says
   "nobody", which identifies no one).
2. **Complementary suppression.** A table is published with its row and column totals. A line
   (a row or a column, including its total) in which exactly one entry is hidden gives the
   hidden entry away by subtraction, and so does a line whose hidden inner cells add up to less
   than the threshold (their sum is then a small count itself). For every such line one more
   entry is hidden: the smallest positive inner cell that is still shown, else a shown zero,
   else the line's total. This repeats until no line gives anything away.

The totals row and column are part of the matrix the algorithm protects, so a hidden total is
protected in the same way. What this does not claim: protection against attacks that combine
several published tables, or linear programming over many lines at once. Reports therefore
publish each count only in one table with its own totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Suppressed:
    """The outcome for a table of ``rows x cols`` counts with its totals.

    ``cells[r][c]``: whether inner cell (r, c) is hidden; ``row_totals[r]``, ``col_totals[c]``
    and ``grand_total`` likewise for the totals.
    """

    cells: tuple[tuple[bool, ...], ...]
    row_totals: tuple[bool, ...]
    col_totals: tuple[bool, ...]
    grand_total: bool

    @property
    def any(self) -> bool:
        return (
            any(any(row) for row in self.cells)
            or any(self.row_totals)
            or any(self.col_totals)
            or self.grand_total
        )


def is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def suppress(
    matrix: Sequence[Sequence[int]],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
) -> Suppressed:
    """Decide which cells of a count table (and of its totals) are hidden.

    ``row_totals``/``col_totals`` say whether the table publishes the total of each row / each
    column (and then the grand total when both are published, or when there is only one row or
    column). A line whose total is not published cannot be used for subtraction and needs no
    complement.
    """
    rows = len(matrix)
    cols = len(matrix[0]) if rows else 0
    if any(len(r) != cols for r in matrix):
        raise ValueError("every row needs the same number of cells")
    if any(v < 0 for r in matrix for v in r):
        raise ValueError("counts are never negative")
    if threshold <= 1 or rows == 0 or cols == 0:
        return Suppressed(
            tuple(tuple(False for _c in range(cols)) for _r in range(rows)),
            tuple(False for _r in range(rows)),
            tuple(False for _c in range(cols)),
            False,
        )
    # The augmented matrix: inner cells, a totals column (index cols), a totals row (index rows).
    values = [[*r, sum(r)] for r in matrix]
    values.append([sum(matrix[r][c] for r in range(rows)) for c in range(cols)] + [0])
    values[rows][cols] = sum(values[rows][:cols])
    hidden = [[False] * (cols + 1) for _r in range(rows + 1)]
    shown_row_total = row_totals
    shown_col_total = col_totals
    shown_grand = (
        (row_totals and col_totals) or (row_totals and cols == 1) or (col_totals and rows == 1)
    )
    # Which entries exist in the published table.
    exists = [[True] * cols + [shown_row_total] for _r in range(rows)]
    exists.append([shown_col_total] * cols + [shown_grand])

    for r in range(rows + 1):
        for c in range(cols + 1):
            if exists[r][c] and is_small(values[r][c], threshold):
                hidden[r][c] = True

    # Lines: each row (cells + its total) when the row total is published, each column
    # likewise; the totals row and totals column are lines too (their total is the grand total).
    lines: list[list[tuple[int, int]]] = []
    if shown_row_total:
        for r in range(rows):
            lines.append([(r, c) for c in range(cols)] + [(r, cols)])
        if shown_col_total and shown_grand:
            lines.append([(rows, c) for c in range(cols)] + [(rows, cols)])
    if shown_col_total:
        for c in range(cols):
            lines.append([(r, c) for r in range(rows)] + [(rows, c)])
        if shown_row_total and shown_grand:
            lines.append([(r, cols) for r in range(rows)] + [(rows, cols)])
    if not shown_row_total and not shown_col_total:
        lines = []

    changed = True
    while changed:
        changed = False
        for line in lines:
            total_cell = line[-1]
            members = line[:-1]
            present = [p for p in line if exists[p[0]][p[1]]]
            hidden_here = [p for p in present if hidden[p[0]][p[1]]]
            if not hidden_here:
                continue
            if len(hidden_here) == len(present):
                continue
            needs_more = len(hidden_here) == 1
            if not needs_more and not hidden[total_cell[0]][total_cell[1]]:
                # The hidden inner cells add up to (total - shown cells): a count of its own.
                hidden_sum = sum(values[r][c] for r, c in members if hidden[r][c])
                needs_more = is_small(hidden_sum, threshold)
            if not needs_more:
                continue
            candidate = _complement(members, values, hidden, exists)
            if candidate is None:
                candidate = total_cell
            hidden[candidate[0]][candidate[1]] = True
            changed = True

    return Suppressed(
        tuple(tuple(hidden[r][:cols]) for r in range(rows)),
        tuple(hidden[r][cols] for r in range(rows)),
        tuple(hidden[rows][:cols]),
        hidden[rows][cols],
    )


def _complement(
    members: list[tuple[int, int]],
    values: list[list[int]],
    hidden: list[list[bool]],
    exists: list[list[bool]],
) -> tuple[int, int] | None:
    """The entry to hide next in a line: the smallest positive shown cell, else a shown zero."""
    shown = [p for p in members if exists[p[0]][p[1]] and not hidden[p[0]][p[1]]]
    if not shown:
        return None
    positive = [p for p in shown if values[p[0]][p[1]] > 0]
    pool = positive or shown
    return min(pool, key=lambda p: (values[p[0]][p[1]], p))


def hide_measure(base: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """A share, average or amount computed over ``base`` cases is hidden when the base is a
    small count (PRV-07): the average of two throughput times tells too much."""
    return is_small(base, threshold)
