"""The repeated parts of a report page, built in Python: the body rows of its tables and the bars
of its charts; and the start page's lists of open terms and waiting files.

A TLV report holds some 140 cells and their bars; rendered one by one in the template (a loop,
a filter, a condition and a property per cell) its tables and charts took about 5 ms of CPU
per page, built here 2.1-2.6 ms (docs/performance.md, session 19). Every value from a table
goes through ``escape``, as the template's autoescaping would, and the markup is the same,
byte for byte (tests/reports/test_report_tags.py).
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from passend.markup import dated, text
from passend.reports.charts import Chart
from passend.reports.dashboard import TermItem, WorkGroup
from passend.reports.tables import Table

register = template.Library()

_CELL = '<td class="utrecht-table__cell utrecht-table__cell--numeric" data-hidden="0">'
_HIDDEN_CELL = '<td class="utrecht-table__cell utrecht-table__cell--numeric" data-hidden="1">'
_TEXT = 'class="{}" font-size="13" fill="#1a1a1a"'
_LABEL = _TEXT.format("passend-chart__label")
_VALUE = _TEXT.format("passend-chart__value")


@register.simple_tag
def table_rows(table: Table) -> SafeString:
    """The rows of ``table``'s body; a total row is marked (``passend-report__total``), a hidden
    count (PRV-07) is ``*`` with its explanation in ``<abbr title>``."""
    if not table.rows:
        return mark_safe(  # noqa: S308 — the number and the escaped text only
            f'<tr class="utrecht-table__row"><td class="utrecht-table__cell" '
            f'colspan="{len(table.columns) + 1}">{escape(_("Geen gegevens in deze periode."))}'
            "</td></tr>\n"
        )
    hidden = f'<abbr title="{escape(_("afgeschermd: klein aantal (PRV-07)"))}">'
    html = []
    for row in table.rows:
        total = " passend-report__total" if row.is_total else ""
        cells = "".join(
            [
                f"{_HIDDEN_CELL}{hidden}{escape(cell.display)}</abbr></td>"
                if cell.hidden
                else f"{_CELL}{escape(cell.display)}</td>"
                for cell in row.cells
            ]
        )
        html.append(
            f'\n<tr class="utrecht-table__row{total}"><th class="utrecht-table__header-cell" '
            f'scope="row">{escape(row.label)}</th>{cells}</tr>\n'
        )
    return mark_safe("".join(html))  # noqa: S308 — every value above is escaped


@register.simple_tag
def chart_bars(chart: Chart) -> SafeString:
    """Each bar of ``chart``: its label, its bar (none for a hidden count) and its value."""
    html = []
    for bar in chart.bars:
        rect = (
            ""
            if bar.hidden
            else f'<rect x="{chart.bar_x}" y="{bar.y}" width="{bar.width}" '
            f'height="{chart.bar_height}" class="passend-chart__bar" fill="#01689b"></rect>'
        )
        y = bar.text_y
        html.append(
            f'<text x="0" y="{y}" {_LABEL}>{escape(bar.label)}</text>\n{rect}\n'
            f'<text x="{bar.text_x}" y="{y}" {_VALUE}>{escape(bar.display)}</text>\n'
        )
    return mark_safe("".join(html))  # noqa: S308 — every value above is escaped (numbers are ints)


# The start page's open terms and files waiting for the user (reports/dashboard.html), as
# their loops wrote them (``passend.markup``).
_TERM_ROW = (
    '\n<tr class="utrecht-table__row"><td class="utrecht-table__cell">{due}{state}</td>\n'
    '<td class="utrecht-table__cell">{what}</td><td class="utrecht-table__cell">'
    '<a class="utrecht-link" href="{url}">{label}</a></td></tr>\n'
).format
_GROUP = (
    '\n  <li class="passend-tasks__item"><a class="passend-tasks__link" href="{url}">{title}: '
    '<span class="passend-dashboard__count">{count}</span></a>\n  {items}\n  </li>\n'
).format
_GROUP_ITEM = (
    '<li class="utrecht-unordered-list__item"><a class="utrecht-link" href="{}">{}</a> — {}</li>'
).format


@register.simple_tag
def term_rows(terms: list[TermItem]) -> SafeString:
    """The rows of the start page's open terms: the due date, overdue (TLV-04) or suspended,
    what is due and the file's link."""
    overdue = f' <strong class="passend-overdue">{escape(_("termijn verstreken"))}</strong>'
    suspended = f" ({escape(_('opgeschort'))})"
    return mark_safe(  # noqa: S308 — markup constant, every value escaped
        "".join(
            [
                _TERM_ROW(
                    due=dated(term.due_date, "d-m-Y"),
                    state=overdue if term.overdue else suspended if term.suspended else "",
                    what=text(term.what),
                    url=text(term.url),
                    label=text(term.label),
                )
                for term in terms
            ]
        )
    )


@register.simple_tag
def waiting_groups(groups: list[WorkGroup]) -> SafeString:
    """The start page's files waiting for the user: per kind the count, linked to its list,
    and the first few files."""
    html = []
    for group in groups:
        items = (
            '<ul class="utrecht-unordered-list">'
            + "".join(
                [
                    _GROUP_ITEM(text(url), text(label), text(detail))
                    for label, detail, url in group.items
                ]
            )
            + "</ul>"
            if group.items
            else ""
        )
        html.append(
            _GROUP(
                url=text(group.url),
                title=text(group.title),
                count=text(str(group.count)),
                items=items,
            )
        )
    return mark_safe("".join(html))  # noqa: S308 — markup constant, every value escaped
