"""The project's ``reverse`` and ``{% url %}`` give the URL Django's give (issue 10: a URL's
text is worked out once per name, ``passend.urlreverse``)."""

from __future__ import annotations

import contextlib
from typing import Any
from unittest import mock

import pytest
from django.template import Context, Engine, engines
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    URLPattern,
    URLResolver,
    clear_url_caches,
    get_resolver,
    include,
    path,
    re_path,
    set_script_prefix,
)
from django.urls import reverse as django_reverse
from django.utils.translation import override

from passend import urlreverse


def _view(request: Any, **kwargs: Any) -> None:  # pragma: no cover - never called
    return None


_shared = (
    [path("<int:pk>/", _view, name="item"), path("", _view, name="index")],
    "shared",
)
# A URL configuration with what the project's own has not: other converters, a regular
# expression, two patterns for one name, a prefix with a converter, an application namespace
# with two instances, a literal that quoting changes.
urlpatterns = [
    path("plain/", _view, name="plain"),
    path("int/<int:pk>/", _view, name="int"),
    path("two/<int:a>/and/<int:b>/", _view, name="two"),
    path("str/<str:slug>/", _view, name="str"),
    path("slug/<slug:slug>/", _view, name="slug"),
    re_path(r"^year/(?P<year>[0-9]{4})/$", _view, name="year"),
    re_path(r"^positive/(?P<n>[1-9][0-9]*)/$", _view, name="positive"),
    path("both/", _view, name="both"),
    path("both/<int:pk>/", _view, name="both"),
    path("caf\u00e9 50/<int:pk>/", _view, name="quoted"),
    path("school/<int:school>/", include(([path("<int:pk>/", _view, name="in")], "nested"))),
    path("first/", include(_shared, namespace="first")),
    path("second/", include(_shared, namespace="second")),
]

ARGUMENTS: list[Any] = [0, 7, 44265, 2**63, -1, True, "12", "abc", 3.0, None]


def _django(viewname: str, args: list[Any], current_app: str | None = None) -> str:
    try:
        return django_reverse(viewname, args=args, current_app=current_app)
    except NoReverseMatch:
        return "NoReverseMatch"


def _ours(viewname: str, args: list[Any], current_app: str | None = None) -> str:
    try:
        return urlreverse.reverse(viewname, args, current_app)
    except NoReverseMatch:
        return "NoReverseMatch"


def _named(resolver: URLResolver, namespace: str = "") -> list[tuple[str, int]]:
    """Every name of the project's URL configuration, with its number of arguments."""
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            prefix = len(entry.pattern.converters)
            names += [(name, count + prefix) for name, count in _named(entry, inner)]
        elif isinstance(entry, URLPattern) and entry.name:
            names.append((namespace + entry.name, len(entry.pattern.converters)))
    return names


def test_every_name_of_the_project_gives_djangos_url() -> None:
    named = _named(get_resolver())
    assert len(named) > 150
    for name, count in named:
        for value in ARGUMENTS:
            args = [value] * count
            assert _ours(name, args) == _django(name, args), (name, args)
            assert _ours(name, args) == _django(name, args), (name, args)  # once kept


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    "name, count",
    [
        ("plain", 0),
        ("int", 1),
        ("two", 2),
        ("str", 1),
        ("slug", 1),
        ("year", 1),
        ("positive", 1),
        ("both", 0),
        ("both", 1),
        ("quoted", 1),
        ("nested:in", 2),
        ("first:item", 1),
        ("second:index", 0),
        ("shared:item", 1),
        ("shared:index", 0),
        ("missing", 0),
        ("int", 0),
        ("int", 2),
    ],
)
def test_any_pattern_and_value_gives_djangos_url(name: str, count: int) -> None:
    for value in [*ARGUMENTS, 2024, 12345]:
        for current_app in (None, "first", "second"):
            args = [value] * count
            expected = _django(name, args, current_app)
            assert _ours(name, args, current_app) == expected, (name, args, current_app)
            assert _ours(name, args, current_app) == expected, (name, args, current_app)


@override_settings(ROOT_URLCONF=__name__)
def test_the_text_is_kept_only_for_integer_arguments() -> None:
    assert urlreverse.reverse("two", [3, 4]) == "/two/3/and/4/"
    assert urlreverse.reverse("quoted", [5]) == "/caf%C3%A9%2050/5/"
    assert urlreverse.reverse("nested:in", [1, 2]) == "/school/1/2/"
    assert urlreverse.reverse("plain") == "/plain/"
    with mock.patch.object(urlreverse, "django_reverse", side_effect=AssertionError):
        # Worked out above: filled in without Django's reverse.
        assert urlreverse.reverse("two", [30, 40]) == "/two/30/and/40/"
        assert urlreverse.reverse("nested:in", [10, 20]) == "/school/10/20/"
        assert urlreverse.reverse("plain") == "/plain/"
    for name, args in [("str", [5]), ("year", [2024]), ("shared:item", [1]), ("int", ["5"])]:
        with mock.patch.object(urlreverse, "django_reverse", wraps=django_reverse) as django:
            urlreverse.reverse(name, args)
            urlreverse.reverse(name, args)
        assert django.call_count >= 2, name  # Django's reverse, every time


def test_a_new_url_configuration_or_prefix_is_seen() -> None:
    assert urlreverse.reverse("cases:detail", [7]) == "/trajecten/7/"
    with override_settings(ROOT_URLCONF=__name__):
        assert urlreverse.reverse("int", [7]) == "/int/7/"
        with pytest.raises(NoReverseMatch):
            urlreverse.reverse("cases:detail", [7])
    set_script_prefix("/passend/")
    try:
        assert urlreverse.reverse("cases:detail", [7]) == "/passend/trajecten/7/"
        assert urlreverse.reverse("home") == "/passend/"
    finally:
        set_script_prefix("/")
    assert urlreverse.reverse("cases:detail", [7]) == "/trajecten/7/"
    clear_url_caches()
    assert urlreverse.reverse("cases:detail", [8]) == "/trajecten/8/"


@pytest.mark.parametrize(
    "source",
    [
        "{% url 'cases:detail' pk %}",
        "{% url 'home' %}",
        "{% url name pk %}",
        "{% url 'cases:detail' text %}",
        "{% url 'cases:detail' pk=pk %}",
        "{% url 'cases:detail' pk as link %}[{{ link }}]",
        "{% url 'cases:detail' 'x' as link %}[{{ link }}]",
        "{% url 'two' 3 pk %}",
    ],
)
@pytest.mark.parametrize("autoescape", [True, False])
def test_the_url_tag_writes_what_djangos_writes(source: str, autoescape: bool) -> None:
    ours = engines["django"].engine
    djangos = Engine(libraries={}, autoescape=autoescape)
    assert "passend.urlreverse" in ours.builtins
    context = {"pk": 44265, "name": "cases:detail", "text": "<b>"}
    with override("en"):
        expected: Any = NoReverseMatch
        with contextlib.suppress(NoReverseMatch):
            expected = djangos.from_string(source).render(Context(context, autoescape=autoescape))
        template = ours.from_string(source)
        assert isinstance(template.nodelist[0], urlreverse.KeptURLNode)
        if expected is NoReverseMatch:
            with pytest.raises(NoReverseMatch):
                template.render(Context(context, autoescape=autoescape))
        else:
            assert template.render(Context(context, autoescape=autoescape)) == expected
