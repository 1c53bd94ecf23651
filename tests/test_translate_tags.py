"""``{% load i18n %}`` in the project's templates writes what Django's own library writes
(issue 10: a fixed text's ``translate`` is kept per language, ``passend.translate_tags``)."""

from __future__ import annotations

import functools

import pytest
from django.template import engines
from django.test import override_settings
from django.utils.safestring import mark_safe
from django.utils.translation import override

from passend import translate_tags
from tests.template_libraries import render_djangos, render_ours

TAGS = [
    '{% translate "Mijn trajecten" %}',  # in the English catalogue: "My cases"
    '{% trans "Mijn trajecten" %}',
    '{% translate "Ouders & <school>" %}',  # escaped, or not, by the context
    '{% translate "100%% zeker" %}',
    "{% translate 'enkel' %}",
    '{% translate "Mijn trajecten"|upper %}',
    '{% translate "Mijn trajecten" noop %}',
    '{% translate "Mijn trajecten" context "menu" %}',
    '{% translate "Mijn trajecten" as label %}[{{ label }}]',
    "{% translate text %}",
    "{% translate safe %}",
    "{% blocktranslate %}Mijn trajecten{% endblocktranslate %}",
    "{% get_current_language as lang %}{{ lang }}",
]


_ours = functools.partial(render_ours, "i18n")
_djangos = functools.partial(render_djangos, "i18n")


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("source", TAGS)
def test_every_tag_writes_what_djangos_library_writes(
    source: str, language: str, autoescape: bool
) -> None:
    values = {"text": "<b>Mijn trajecten</b>", "safe": mark_safe("<i>veilig</i>")}
    with override(language):
        expected = _djangos(source, values, autoescape)
        assert _ours(source, values, autoescape) == expected
        assert _ours(source, values, autoescape) == expected  # and again, kept


def test_a_fixed_text_is_kept_per_language_and_escaping() -> None:
    translate_tags._written.clear()
    for language, written in (("nl", "Mijn trajecten"), ("en", "My cases")):
        with override(language):
            assert _ours('{% translate "Mijn trajecten" %}', {}, True) == written
    assert translate_tags._written == {
        ("Mijn trajecten", "nl", True): "Mijn trajecten",
        ("Mijn trajecten", "en", True): "My cases",
    }
    # Not kept: what depends on more than the text (a filter, a variable, "as").
    for source in TAGS[5:11]:
        translate_tags._written.clear()
        _ours(source, {"text": "x"}, True)
        assert translate_tags._written == {}, source


def test_a_change_of_the_catalogue_settings_forgets_what_was_kept() -> None:
    with override("en"):
        _ours('{% translate "Mijn trajecten" %}', {}, True)
    assert translate_tags._written
    with override_settings(LOCALE_PATHS=[]):
        assert translate_tags._written == {}


def test_i18n_and_static_are_the_only_library_names_used_twice() -> None:
    """Django warns of a library name used twice (templates.W003); the project silences that
    warning for its own ``i18n`` and ``static`` only, so any other clash fails here."""
    from django.template.backends.django import get_template_tag_modules

    paths: dict[str, set[str]] = {}
    for name, path in get_template_tag_modules():
        paths.setdefault(name, set()).add(path)
    for name, path in engines["django"].engine.libraries.items():
        paths.setdefault(name, set()).add(path)
    assert {name for name, found in paths.items() if len(found) > 1} == {"i18n", "static"}
    assert engines["django"].engine.libraries["i18n"] == "passend.translate_tags"
    assert engines["django"].engine.libraries["static"] == "passend.static_tags"
