"""Template filters for the project's widget templates (``templates/django/forms/widgets/``).

``select_options`` writes a select's options in Python, with the markup of Django's
``select_option.html`` and ``attrs.html`` (whitespace aside) but without a template loop per
option. The loop cost about 37 us per option: the TLV report's filters (114 options for the
large region's biggest SWV, 21 for the small one) spent about 4 ms more on them at large scale
than at small (issue 10, docs/performance.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _text(value: Any) -> str:
    """What ``{{ value|stringformat:'s' }}`` writes: ``str`` escaped unless already safe."""
    return conditional_escape(value if isinstance(value, str) else str(value))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """Django's ``attrs.html``: ``False`` leaves the attribute out, ``True`` writes its name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        name = conditional_escape(name)
        parts.append(f" {name}" if value is True else f' {name}="{_text(value)}"')
    return "".join(parts)


@register.filter
def select_options(optgroups: Iterable[tuple[Any, Sequence[Mapping[str, Any]], int]]) -> SafeString:
    """The options (and option groups) of ``widget.optgroups``, as ``select.html`` writes them.

    A label is written as the template writes a variable: localised, then escaped unless safe
    (lazy translations become their text)."""
    parts = []
    for group_name, group_choices, _index in optgroups:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(localize(group_name))}">')
        for option in group_choices:
            label = localize(option["label"])
            parts.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(label if isinstance(label, str) else str(label))}</option>"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
