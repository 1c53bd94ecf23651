"""``{% load static %}`` in the project's templates writes what Django's own library writes
(issue 10: a fixed path's URL is kept, ``passend.static_tags``)."""

from __future__ import annotations

import functools

import pytest
from django.test import override_settings
from django.urls import set_script_prefix

from passend import static_tags
from tests.template_libraries import render_djangos, render_ours

TAGS = [
    "{% static 'passend/passend.css' %}",
    '{% static "vendor/htmx/htmx.min.js" %}',
    "{% static 'passend/a b&c.css' %}",  # quoted by the storage, escaped by the context
    "{% static path %}",
    "{% static 'passend/passend.css'|upper %}",
    "{% static 'passend/passend.css' as css %}[{{ css }}]",
    "{% get_static_prefix %}",
    "{% get_media_prefix %}",
]


_ours = functools.partial(render_ours, "static")
_djangos = functools.partial(render_djangos, "static")


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("source", TAGS)
def test_every_tag_writes_what_djangos_library_writes(source: str, autoescape: bool) -> None:
    values = {"path": "passend/<x>.css"}
    expected = _djangos(source, values, autoescape)
    assert _ours(source, values, autoescape) == expected
    assert _ours(source, values, autoescape) == expected  # and again, kept


def test_only_a_fixed_path_is_kept_per_script_prefix_and_escaping() -> None:
    static_tags._written.clear()
    assert _ours("{% static 'passend/passend.css' %}", {}, True) == "/static/passend/passend.css"
    assert static_tags._written == {
        ("passend/passend.css", "/", True): "/static/passend/passend.css"
    }
    # Not kept: what depends on more than the path (a variable, a filter, "as").
    for source in (TAGS[3], TAGS[4], TAGS[5]):
        static_tags._written.clear()
        _ours(source, {"path": "passend/x.css"}, True)
        assert static_tags._written == {}, source


def test_a_relative_static_url_is_written_as_djangos_under_every_script_prefix() -> None:
    # A relative STATIC_URL is put under the script prefix (SCRIPT_NAME) of the request that
    # first asks the storage; the kept URL stays what Django's tag writes under each prefix.
    with override_settings(STATIC_URL="static/"):
        try:
            for prefix in ("/passend/", "/"):
                set_script_prefix(prefix)
                expected = _djangos("{% static 'x.css' %}", {}, True)
                assert _ours("{% static 'x.css' %}", {}, True) == expected
                assert _ours("{% static 'x.css' %}", {}, True) == expected
        finally:
            set_script_prefix("/")


def test_a_change_of_the_static_file_settings_forgets_what_was_kept() -> None:
    _ours("{% static 'passend/passend.css' %}", {}, True)
    assert static_tags._written
    with override_settings(STATIC_URL="/elders/"):
        assert static_tags._written == {}
        assert _ours("{% static 'passend/passend.css' %}", {}, True) == (
            "/elders/passend/passend.css"
        )
    assert _ours("{% static 'passend/passend.css' %}", {}, True) == "/static/passend/passend.css"
