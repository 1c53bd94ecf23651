"""Template filters and tags of the case screens."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from passend.cases.selectors import CaseListItem
from passend.markup import text
from passend.privacy.categories import category_labels as _category_labels

register = template.Library()


@register.filter
def category_labels(codes: object) -> str:
    """Dutch labels of data category codes, in the catalogue's order."""
    return ", ".join(_category_labels(codes or ()))


# One row of "Mijn trajecten" (cases/case_list.html), as its loop wrote it.
_CASE_ROW = (
    '\n    <tr class="utrecht-table__row">\n'
    '      <th scope="row" class="utrecht-table__header-cell"><a class="utrecht-link" '
    'href="{url}">{name}</a>{pseudonym}</th>\n'
    '      <td class="utrecht-table__cell">{kind}</td>\n'
    '      <td class="utrecht-table__cell">{phase}</td>\n'
    '      <td class="utrecht-table__cell">{owner}</td>\n'
    '      <td class="utrecht-table__cell">{process_director}</td>\n'
    '      <td class="utrecht-table__cell">{opened}</td>\n'
    "    </tr>\n    "
).format
_PSEUDONYM = ' <span class="passend-pseudonym">({})</span>'.format


@register.simple_tag
def case_rows(rows: list[CaseListItem]) -> SafeString:
    """The body rows of the case list (``selectors.list_items``), written here, not by a loop
    in the template (``passend.markup``): the pseudonym beside a name where the viewer sees the
    name (the policy decided which)."""
    return mark_safe(  # noqa: S308 — markup constant, every value escaped by ``text``
        "".join(
            [
                _CASE_ROW(
                    url=text(row["url"]),
                    name=text(row["name"]),
                    pseudonym=_PSEUDONYM(text(row["pseudonym"])) if row["shows_pseudonym"] else "",
                    kind=text(row["kind"]),
                    phase=text(row["phase"]),
                    owner=text(row["owner"]),
                    process_director=text(row["process_director"]),
                    opened=text(row["opened"]),
                )
                for row in rows
            ]
        )
    )
