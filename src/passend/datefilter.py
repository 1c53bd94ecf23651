"""Django's ``date`` template filter with the project's own date formats written directly.

A built-in of every template (``TEMPLATES`` ``builtins``), so it stands in for Django's
``date``. For a date or datetime and a format made only of ``d``, ``m``, ``Y``, ``H`` and
``i`` with separators (the project's ``d-m-Y``, ``d-m-Y H:i``, also when named as
``DATE_FORMAT`` or ``SHORT_DATETIME_FORMAT``), and for ``c``, it writes the text that Django's
filter writes, without Django's general formatter: that took 13 us a date on this project's
hosts, and a case page shows some forty dates (0.5 ms of its 7 ms of CPU; issue 10,
docs/performance.md "Session 37"). Every other value or format is Django's filter itself.
``tests/test_datefilter.py`` holds the two to the same output.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any

from django import template
from django.template import defaultfilters
from django.utils import formats

register = template.Library()

# Django's DateFormat: d, m, H, i are two digits, Y four (dateformat.py).
_FIELDS = {
    "d": ("{0.day:02d}", False),
    "m": ("{0.month:02d}", False),
    "Y": ("{0.year:04d}", False),
    "H": ("{0.hour:02d}", True),
    "i": ("{0.minute:02d}", True),
}
# Characters that are not format characters of Django's DateFormat: written as they are.
_SEPARATORS = frozenset("-/.:, ")


def _iso(value: datetime.date) -> str:
    return value.isoformat()  # Django's "c"; a datetime's own isoformat for a datetime


@functools.cache
def _formatter(pattern: str) -> tuple[Callable[[Any], str], bool] | None:
    """A function that writes the pattern for a value, and whether the pattern shows a time;
    ``None`` for a pattern with any other character (Django's own formatter writes those)."""
    if pattern == "c":
        return _iso, False
    parts, has_time = [], False
    for char in pattern:
        if char in _FIELDS:
            text, is_time = _FIELDS[char]
            parts.append(text)
            has_time = has_time or is_time
        elif char in _SEPARATORS:
            parts.append(char)
        else:
            return None
    if not parts:
        return None
    return "".join(parts).format, has_time


def _pattern(arg: Any) -> str | None:
    """The format a name stands for in the active language (as Django's ``get_format``), or
    the format written in the template. ``None``: leave it to Django (a single word that is
    not a format setting could be a format module's own name)."""
    name = "DATE_FORMAT" if arg is None else arg
    if not isinstance(name, str):
        return None
    if name in formats.FORMAT_SETTINGS:
        return str(formats.get_format(name))
    if name == "c" or not name.isidentifier():
        return name
    return None


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: Any = None) -> Any:
    kind = type(value)
    if kind is datetime.datetime or kind is datetime.date:
        pattern = _pattern(arg)
        found = _formatter(pattern) if pattern is not None else None
        if found is not None:
            write, has_time = found
            # A time in a date's format: Django's own raises its TypeError.
            if kind is datetime.datetime or not has_time:
                return write(value)
    return defaultfilters.date(value, arg)
