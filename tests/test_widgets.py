"""The project's select template writes the same markup as Django's own (issue 10: its options
are written by ``passend.widgets.select_options`` instead of a template loop per option)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from passend.widgets import select_options


def _normalised(html: str) -> str:
    """Django's option template ends in a newline that the project's leaves out."""
    return re.sub(r">\s+<", "><", html).strip()


def _both(widget: forms.Widget, value: Any, attrs: dict[str, Any] | None = None) -> tuple[str, str]:
    ours = widget.render("field", value, attrs, renderer=TemplatesSetting())
    # DjangoTemplates renders with Django's own widget templates (not the project's DIRS).
    django = widget.render("field", value, attrs, renderer=DjangoTemplates())
    return ours, django


CHOICES: list[Any] = [
    ("", gettext_lazy("Alle")),
    (1, "De Regenboog"),
    (2, "Sint-Jozef & <Zn>"),
    ("a\"b'c", mark_safe("<b>veilig</b>")),  # a label already marked safe
    (2025, 2025),
    (
        "Speciaal onderwijs",
        [(10, "SO De Brug"), (11, 'VSO "Het Anker"')],
    ),
]


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), 2),
        (forms.Select(choices=CHOICES), ""),
        (forms.Select(choices=CHOICES), 11),
        (forms.Select(choices=CHOICES, attrs={"class": "utrecht-select", "required": True}), 1),
        (forms.SelectMultiple(choices=CHOICES), [1, 10, "a\"b'c"]),
        (forms.NullBooleanSelect(), True),
        (forms.NullBooleanSelect(), None),
    ],
)
def test_select_markup_is_djangos_own(widget: forms.Widget, value: Any) -> None:
    with override("nl"):
        ours, django = _both(widget, value, {"id": "id_field", "aria-describedby": "h"})
    assert _normalised(ours) == _normalised(django)
    # Not vacuous: the options are there, escaped, with the selection.
    assert ours.count("<option") == django.count("<option") >= 3


def test_options_are_escaped_translated_and_selected() -> None:
    widget = forms.Select(choices=CHOICES)
    with override("nl"):
        html = widget.render("school", 2, renderer=TemplatesSetting())
    assert '<option value="2" selected>Sint-Jozef &amp; &lt;Zn&gt;</option>' in html
    assert '<option value="a&quot;b&#x27;c"><b>veilig</b></option>' in html
    assert '<option value="">Alle</option>' in html
    assert '<optgroup label="Speciaal onderwijs">' in html
    assert '<option value="11">VSO &quot;Het Anker&quot;</option>\n  </optgroup>' in html


def test_attributes_false_left_out_and_true_written_as_a_name() -> None:
    optgroups: list[tuple[Any, list[dict[str, Any]], int]] = [
        (None, [{"value": 1, "label": "Een", "attrs": {"selected": True, "disabled": False}}], 0),
        (None, [{"value": 2, "label": "Twee", "attrs": {"data-x": 'a"b'}}], 1),
    ]
    assert select_options(optgroups) == (
        '\n  <option value="1" selected>Een</option>\n  <option value="2" data-x="a&quot;b">Twee</option>'
    )
