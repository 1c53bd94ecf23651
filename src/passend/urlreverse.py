"""Django's ``reverse`` and ``{% url %}``, with the text of a URL worked out once per name.

Django's ``reverse`` walks the namespaces, the name's candidate patterns, converts every
argument, builds the URL and checks it against the pattern's regular expression: 13 us a
URL on a fast host, up to 45 us on a slow one, and the start page links each item it shows
(28 links for the busiest coordinator; issue 10, docs/performance.md "Session 38"). For a
name reversed without arguments, or with non-negative integers for a pattern whose
arguments are all ``<int:...>``, the URL is one text with the numbers in their places. This
module has Django's ``reverse`` write that text once per URL configuration, language, script
prefix, name and number of arguments, and fills it in. Everything else (keyword arguments,
any other value, any other converter, an application namespace with several instances) is
Django's ``reverse`` itself. ``tests/test_urlreverse.py`` holds the two to the same URL for
every named pattern.

A built-in of every template (``TEMPLATES`` ``builtins``), so its ``url`` tag stands in for
Django's; Python code that links many items calls ``reverse`` here.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from django import template
from django.template import defaulttags
from django.template.base import Parser, Token
from django.template.context import Context
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import URLResolver, get_ns_resolver
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

# Stands for the n-th argument while Django writes a name's URL; far from any number in a path.
_SENTINEL = 9_100_000_000_000_000_001
# Per resolver (a new one after ``clear_url_caches``): (language, prefix, name, number of
# arguments) -> the URL with ``%d`` for each argument, or None where Django's reverse is used.
_texts: weakref.WeakKeyDictionary[URLResolver, dict[tuple[Any, ...], str | None]] = (
    weakref.WeakKeyDictionary()
)


def reverse(viewname: str, args: Sequence[Any] = (), current_app: str | None = None) -> str:
    """``django.urls.reverse(viewname, args=args, current_app=current_app)``."""
    urlconf = get_urlconf()
    resolver = get_resolver(urlconf)
    texts = _texts.get(resolver)
    if texts is None:
        texts = _texts.setdefault(resolver, {})
    key = (get_language(), get_script_prefix(), viewname, len(args))
    try:
        text = texts[key]
    except KeyError:
        text = texts[key] = _text(resolver, urlconf, viewname, len(args))
    if text is not None:
        if not args:
            return text
        if all(type(arg) is int and arg >= 0 for arg in args):
            return text % tuple(args)
    return django_reverse(viewname, args=args, current_app=current_app)


def _text(resolver: URLResolver, urlconf: str | None, viewname: str, count: int) -> str | None:
    """The URL Django writes for ``viewname`` with ``count`` arguments, ``%d`` for each; None
    when not every non-negative integer gives the URL that Django's ``reverse`` would."""
    if not isinstance(viewname, str) or not _integer_arguments(resolver, viewname, count):
        return None
    numbers = [_SENTINEL + n for n in range(count)]
    try:
        url = django_reverse(viewname, urlconf=urlconf, args=numbers)
    except NoReverseMatch:
        return None
    if not count:
        return url
    text = url.replace("%", "%%")
    sentinels = [str(number) for number in numbers]
    positions = [text.find(sentinel) for sentinel in sentinels]
    if any(text.count(sentinel) != 1 for sentinel in sentinels) or positions != sorted(positions):
        return None
    for sentinel in sentinels:
        text = text.replace(sentinel, "%d")
    return text


def _integer_arguments(resolver: URLResolver, viewname: str, count: int) -> bool:
    """Whether the pattern Django's ``reverse`` takes for ``count`` positional arguments has
    only ``<int:...>`` arguments (none for ``count`` 0): the walk of ``django.urls.reverse``,
    refusing a namespace that ``current_app`` could choose between instances of."""
    *path, view = viewname.split(":")
    ns_pattern = ""
    ns_converters: dict[str, Any] = {}
    for ns in path:
        instances = resolver.app_dict.get(ns)
        if instances is not None:
            if len(instances) > 1:
                return False
            ns = instances[0]
        try:
            extra, resolver = resolver.namespace_dict[ns]
        except KeyError:
            return False
        ns_pattern += extra
        ns_converters.update(resolver.pattern.converters)
    if ns_pattern:
        resolver = get_ns_resolver(ns_pattern, resolver, tuple(ns_converters.items()))
    # Django takes the first candidate with as many parameters as arguments that converts and
    # matches them; an <int:...> candidate does so for every non-negative integer.
    for possibility, _pattern, _defaults, converters in resolver.reverse_dict.getlist(view):
        for _result, params in possibility:
            if len(params) == count:
                return all(type(converters.get(param)) is IntConverter for param in params)
    return False


class KeptURLNode(defaulttags.URLNode):
    """Django's ``{% url %}`` node; positional arguments go through ``reverse`` above."""

    def render(self, context: Context) -> str:
        if self.kwargs or self.asvar:
            return str(super().render(context))
        args = [arg.resolve(context) for arg in self.args]
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        url = reverse(view_name, args, current_app)
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> KeptURLNode:
    node = defaulttags.url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
