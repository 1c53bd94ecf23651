"""A report's table rows and chart bars are built in Python (``report_tags``, issue 10: a tenth of
the TLV report's CPU went to rendering them cell by cell). The markup must stay what the
template gave, byte for byte, escaping included (PRV-07's hidden counts with their
explanation, total rows, school names with markup characters, an empty table)."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

from passend.reports.charts import chart_for
from passend.reports.tables import Table, count_table
from passend.reports.templatetags.report_tags import chart_bars, table_rows

# The template markup the tags replace (reports/report.html and reports/_chart.html before
# session 19).
TEMPLATE_ROWS = Template(
    "{% load i18n %}{% for row in table.rows %}\n"
    '<tr class="utrecht-table__row{% if row.is_total %} passend-report__total{% endif %}">'
    '<th class="utrecht-table__header-cell" scope="row">{{ row.label }}</th>'
    "{% for cell in row.cells %}"
    '<td class="utrecht-table__cell utrecht-table__cell--numeric" '
    "data-hidden=\"{{ cell.hidden|yesno:'1,0' }}\">{% if cell.hidden %}"
    "<abbr title=\"{% translate 'afgeschermd: klein aantal (PRV-07)' %}\">{{ cell.display }}"
    "</abbr>{% else %}{{ cell.display }}{% endif %}</td>{% endfor %}</tr>\n"
    '{% empty %}<tr class="utrecht-table__row"><td class="utrecht-table__cell" '
    'colspan="{{ table.columns|length|add:1 }}">{% translate "Geen gegevens in deze periode." %}'
    "</td></tr>\n{% endfor %}"
)
TEMPLATE_BARS = Template(
    '{% for bar in chart.bars %}<text x="0" y="{{ bar.text_y }}" class="passend-chart__label" '
    'font-size="13" fill="#1a1a1a">{{ bar.label }}</text>\n'
    '{% if not bar.hidden %}<rect x="{{ chart.bar_x }}" y="{{ bar.y }}" width="{{ bar.width }}" '
    'height="{{ chart.bar_height }}" class="passend-chart__bar" fill="#01689b"></rect>{% endif %}\n'
    '<text x="{{ bar.text_x }}" y="{{ bar.text_y }}" class="passend-chart__value" font-size="13" '
    'fill="#1a1a1a">{{ bar.display }}</text>\n{% endfor %}'
)


def a_table() -> Table:
    # Two schools, one with a count under the threshold of 5: hidden, and hidden with it
    # whatever would give it away (PRV-07).
    return count_table(
        "tlv",
        "TLV's",
        "School",
        ['De "Regenboog" & <Zon>', "Het Baken"],
        ["Toegekend", "Afgewezen"],
        [[12, 2], [30, 8]],
        5,
    )


def test_table_rows_are_the_templates_markup() -> None:
    table = a_table()
    assert any(cell.hidden for row in table.rows for cell in row.cells)
    assert table.rows[-1].is_total
    for language in ("nl", "en"):
        with translation.override(language):
            expected = TEMPLATE_ROWS.render(Context({"table": table}))
            assert table_rows(table) == expected
    html = table_rows(table)
    assert "&quot;Regenboog&quot; &amp; &lt;Zon&gt;" in html and "<Zon>" not in html
    assert '<abbr title="afgeschermd: klein aantal (PRV-07)">*</abbr>' in html


def test_an_empty_table_says_so() -> None:
    table = count_table("leeg", "Leeg", "School", [], ["Aantal"], [], 5, col_totals=False)
    assert not table.rows
    expected = TEMPLATE_ROWS.render(Context({"table": table}))
    assert table_rows(table) == expected
    assert "Geen gegevens in deze periode." in expected


def test_chart_bars_are_the_templates_markup() -> None:
    # One column, charted: the small count is hidden, and so is the next smallest with it.
    table = count_table(
        "tlv", "TLV's", "School", ["A & B", "C", "D"], ["Aantal"], [[12], [2], [30]], 5
    )
    chart = chart_for(table)
    assert chart is not None and any(bar.hidden for bar in chart.bars)
    expected = TEMPLATE_BARS.render(Context({"chart": chart}))
    assert chart_bars(chart) == expected
    # A hidden count draws no bar: its length would give the count away (PRV-07).
    assert chart_bars(chart).count("<rect") == sum(not bar.hidden for bar in chart.bars)
