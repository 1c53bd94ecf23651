"""PRV-07: small-cell suppression with complementary suppression (passend.reports.suppression)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from passend.reports.suppression import Suppressed, hide_measure, suppress


def _augmented(
    matrix: list[list[int]], result: Suppressed
) -> tuple[list[list[int]], list[list[bool]]]:
    values = [[*row, sum(row)] for row in matrix]
    values.append([sum(col) for col in zip(*matrix, strict=True)] + [sum(map(sum, matrix))])
    hidden = [[*result.cells[r], result.row_totals[r]] for r in range(len(matrix))]
    hidden.append([*result.col_totals, result.grand_total])
    return values, hidden


def _lines(rows: int, cols: int, row_totals: bool, col_totals: bool) -> list[list[tuple[int, int]]]:
    lines = []
    if row_totals:
        lines += [[(r, c) for c in range(cols + 1)] for r in range(rows + (1 if col_totals else 0))]
    if col_totals:
        lines += [[(r, c) for r in range(rows + 1)] for c in range(cols + (1 if row_totals else 0))]
    return lines


def _recoverable(
    matrix: list[list[int]],
    result: Suppressed,
    threshold: int,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
) -> list[str]:
    """What an attacker could compute from one line: a single hidden entry, or a hidden sum
    of inner cells that is itself a small count."""
    values, hidden = _augmented(matrix, result)
    problems = []
    for line in _lines(len(matrix), len(matrix[0]), row_totals, col_totals):
        *members, total = line
        hidden_here = [p for p in line if hidden[p[0]][p[1]]]
        if len(hidden_here) == 1:
            problems.append(f"single hidden entry {hidden_here[0]} in line {line}")
        if hidden_here and not hidden[total[0]][total[1]]:
            hidden_sum = sum(values[r][c] for r, c in members if hidden[r][c])
            if 0 < hidden_sum < threshold and len(hidden_here) < len(line):
                problems.append(f"hidden sum {hidden_sum} in line {line}")
    return problems


def test_prv07_primary_suppression_hides_small_counts_but_not_zero() -> None:
    result = suppress([[0, 12, 3, 20]], 5, row_totals=False, col_totals=False)
    assert result.cells == ((False, False, True, False),)


def test_prv07_single_small_cell_gets_a_complement_in_its_row_and_column() -> None:
    # Hand-computed: 3 is small. Its row total (3+10+12 = 25) would give it away, so the
    # smallest other cell in the row (10) is hidden too; column 0 (3 + 9 = 12) likewise hides 9;
    # then column 1 holds one hidden cell (10) and hides 20 (the only other), and row 1 holds
    # 9 and 20 hidden: fine. Row totals and column totals stay visible.
    matrix = [[3, 10, 12], [9, 20, 30]]
    result = suppress(matrix, 5)
    assert result.cells == ((True, True, False), (True, True, False))
    assert result.row_totals == (False, False)
    assert result.col_totals == (False, False, False)
    assert not result.grand_total
    assert _recoverable(matrix, result, 5) == []


def test_prv07_two_small_cells_whose_sum_is_small_need_a_third() -> None:
    # 1 and 2 are both hidden, but together they are 3 = total 20 - shown 17: still small.
    matrix = [[1, 2, 17, 30]]
    result = suppress(matrix, 5, col_totals=False)
    assert result.cells == ((True, True, True, False),)
    assert _recoverable(matrix, result, 5, col_totals=False) == []


def test_prv07_small_total_is_hidden_with_its_cells() -> None:
    matrix = [[1, 2], [10, 20]]
    result = suppress(matrix, 5)
    assert result.row_totals[0] is True
    assert result.cells[0] == (True, True)
    assert _recoverable(matrix, result, 5) == []


def test_prv07_one_column_table_with_total_row() -> None:
    # A split (e.g. triage) with its total: 4 is hidden, so the next smallest (6) is too.
    matrix = [[30], [4], [6], [0]]
    result = suppress(matrix, 5, row_totals=False)
    assert [row[0] for row in result.cells] == [False, True, True, False]
    assert result.col_totals == (False,)


def test_prv07_small_cell_and_small_total_protect_each_other() -> None:
    matrix = [[3, 0]]
    result = suppress(matrix, 5, col_totals=False)
    # 3 is small and so is the total (3): two unknowns, the zero may stay.
    assert result.cells == ((True, False),)
    assert result.row_totals == (True,)


def test_prv07_zero_is_used_as_complement_only_when_nothing_else_is_left() -> None:
    # 3 is small. Row 1: 3 alone -> 30 hidden. Column 0: 3 alone -> 7 hidden. Column 1: 30
    # alone, and the only other cell left is the 0 -> the 0 is hidden.
    matrix = [[7, 0], [3, 30]]
    result = suppress(matrix, 5)
    assert result.cells == ((True, True), (True, True))
    assert not any(result.row_totals) and not any(result.col_totals)
    assert _recoverable(matrix, result, 5) == []


def test_prv07_threshold_is_configurable() -> None:
    matrix = [[7, 30]]
    assert suppress(matrix, 5, col_totals=False).cells == ((False, False),)
    assert suppress(matrix, 10, col_totals=False).cells == ((True, True),)


def test_prv07_measures_on_small_bases_are_hidden() -> None:
    assert hide_measure(3, 5)
    assert not hide_measure(0, 5)
    assert not hide_measure(5, 5)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=2, max_value=10).flatmap(
        lambda threshold: st.tuples(
            st.just(threshold),
            st.integers(1, 5).flatmap(
                lambda cols: st.lists(
                    st.lists(st.integers(0, 25), min_size=cols, max_size=cols),
                    min_size=1,
                    max_size=5,
                )
            ),
        )
    )
)
def test_prv07_no_hidden_cell_can_be_recovered_from_one_row_or_column(
    case: tuple[int, list[list[int]]],
) -> None:
    threshold, matrix = case
    for row_totals, col_totals in ((True, True), (True, False), (False, True)):
        result = suppress(matrix, threshold, row_totals=row_totals, col_totals=col_totals)
        values, hidden = _augmented(matrix, result)
        for r, row in enumerate(values[: len(matrix)]):
            for c, value in enumerate(row[: len(matrix[0])]):
                if 0 < value < threshold:
                    assert hidden[r][c], f"small count {value} at {(r, c)} shown"
        cols = len(matrix[0])
        if row_totals:
            for r in range(len(matrix)):
                assert hidden[r][cols] or not 0 < values[r][cols] < threshold
        if col_totals:
            for c in range(cols):
                assert hidden[len(matrix)][c] or not 0 < values[len(matrix)][c] < threshold
        assert (
            _recoverable(matrix, result, threshold, row_totals=row_totals, col_totals=col_totals)
            == []
        )
