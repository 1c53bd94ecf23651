"""The rows of the busiest lists and pages, written in Python instead of a template loop
(issue 10).

A template loop pays for every row again: the loop's context, each variable's lookup, its
filters and its escaping, node by node. The case list's fifty rows (eight variables and a
condition each) were a fifth of that page's instructions; written by a tag with one format
string a row, the page took 18 % fewer (docs/performance.md, session 49). The report tables
(``reports.templatetags.report_tags``, session 19) were the first to be written so; the tags
that write them now are listed in docs/architecture.md. These two functions are what each of
them writes a value with.

Each list's tag keeps its markup byte for byte what its loop wrote, and each value goes
through ``text``, as the template's autoescaping would: the tests hold every tag to the loop
it replaced (``tests/test_list_rows.py``).
"""

from __future__ import annotations

import html
from typing import Any

from django.utils import timezone
from django.utils.html import conditional_escape

from passend.datefilter import date


def text(value: Any) -> str:
    """``value`` as autoescaping writes a text: escaped, unless it is already markup
    (``SafeString``, ``format_html``). A plain ``str`` goes to ``html.escape`` itself, which
    writes what Django's ``escape`` writes in a fifth of its time (that one first looks for a
    lazy argument); anything else (a lazy translation, markup) goes to Django's."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(value)


def dated(value: Any, pattern: str) -> str:
    """``{{ value|date:pattern }}`` as a template writes it: an aware datetime in the current
    time zone first (the filter ``expects_localtime``), then the project's ``date`` filter,
    escaped."""
    local = timezone.template_localtime(value)  # type: ignore[attr-defined]  # not in the stubs
    return text(date(local, pattern))
