"""Template tags of the TLV screens."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from passend.markup import text

register = template.Library()

# One row of the work list (tlv/overview.html), as its loop wrote it.
_WORK_ROW = (
    '\n    <tr class="utrecht-table__row">\n'
    '      <th scope="row" class="utrecht-table__header-cell">{label}</th>\n'
    '      <td class="utrecht-table__cell">{status}{overdue}</td>\n'
    '      <td class="utrecht-table__cell">{terms}</td>\n'
    '      <td class="utrecht-table__cell">{action}</td>\n'
    "    </tr>\n    "
).format
_LINK = '<a class="utrecht-link" href="{}">{}</a>'.format
_OVERDUE = ' <strong class="passend-overdue">{}</strong>'.format


@register.simple_tag
def work_rows(rows: list[dict[str, Any]]) -> SafeString:
    """The body rows of the TLV work list (``views._work_rows``), written here, not by a loop
    in the template (``passend.markup``): a link where the viewer may open the file, the
    overdue mark (TLV-04), the terms' cell (markup already) and the row's action."""
    overdue = _OVERDUE(text(_("termijn verstreken")))
    html = []
    for row in rows:
        label = text(row["label"])
        action = row["action"]
        html.append(
            _WORK_ROW(
                label=_LINK(text(row["url"]), label) if row["url"] else label,
                status=text(row["status"]),
                overdue=overdue if row["overdue"] else "",
                terms=text(row["terms"]),
                action=_LINK(text(action[0]), text(action[1])) if action else "",
            )
        )
    return mark_safe("".join(html))  # noqa: S308 — markup constant, every value escaped
