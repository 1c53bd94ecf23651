"""The project's ``date`` filter writes what Django's own writes (issue 10: the project's date
formats are written without Django's general formatter, ``passend.datefilter``)."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from typing import Any

import pytest
from django.template import Context, Engine, engines
from django.template.defaultfilters import date as django_date
from django.utils import timezone
from django.utils.translation import gettext_lazy, override
from hypothesis import given
from hypothesis import strategies as st

from passend import datefilter

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
FORMATS = [
    None,
    "d-m-Y",
    "d-m-Y H:i",
    "H:i",
    "c",
    "Y/m/d, H.i",
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATETIME_FORMAT",
    # Django's own formatter: other characters, an escape, a word, a lazy format, no text.
    "j F Y",
    r"d-m-Y \o\m H:i",
    "D d M",
    "Y",
    "TIME_FORMAT",
    gettext_lazy("d-m-Y"),
    "",
]
VALUES: list[Any] = [
    datetime.date(2026, 3, 9),
    datetime.date(999, 1, 2),  # Y is four digits in Django's formatter
    datetime.datetime(2026, 10, 25, 1, 30, tzinfo=datetime.UTC),  # the night the clock turns
    datetime.datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=datetime.UTC),
    datetime.datetime(2026, 12, 6, 23, 5),  # naive
    datetime.datetime(2026, 7, 1, 9, 0, tzinfo=AMSTERDAM),
    None,
    "",
    "geen datum",
    datetime.time(9, 5),
]


def _render(engine: Any, value: Any, fmt: Any) -> str:
    argument = "" if fmt is None else ":f"
    template = engine.from_string("{{ value|date" + argument + " }}")
    return template.render({"value": value, "f": fmt})


def _django_render(value: Any, fmt: Any) -> str:
    """The same template with Django's own built-ins only."""
    engine = Engine(builtins=[])  # Django's defaults: its own ``date``
    argument = "" if fmt is None else ":f"
    template = engine.from_string("{{ value|date" + argument + " }}")
    return template.render(Context({"value": value, "f": fmt}))


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("fmt", FORMATS, ids=repr)
def test_every_template_writes_what_djangos_filter_writes(language: str, fmt: Any) -> None:
    engine = engines["django"]
    # The last built-in with a ``date`` filter is the one templates use.
    providers = [
        library for library in engine.engine.template_builtins if "date" in library.filters
    ]
    assert providers[-1].filters["date"] is datefilter.date
    with override(language), timezone.override(AMSTERDAM):
        for value in VALUES:
            try:
                expected = _django_render(value, fmt)
            except TypeError as error:  # a time in a date's format: Django refuses it
                with pytest.raises(TypeError, match=re.escape(str(error))):
                    _render(engine, value, fmt)
                continue
            assert _render(engine, value, fmt) == expected, (value, fmt)


def test_the_project_formats_take_the_short_way() -> None:
    # Not vacuous: the formats the templates use are written by the project's own code.
    for fmt in ("d-m-Y", "d-m-Y H:i", "H:i", "c", "SHORT_DATETIME_FORMAT", None):
        pattern = datefilter._pattern(fmt)
        assert pattern is not None and datefilter._formatter(pattern) is not None, fmt
    for fmt in ("j F Y", r"d-m-Y \o\m", "Y", "DATE_INPUT_FORMATS", gettext_lazy("d-m-Y")):
        pattern = datefilter._pattern(fmt)
        assert pattern is None or datefilter._formatter(pattern) is None, fmt


@given(
    moment=st.datetimes(
        min_value=datetime.datetime(1, 1, 2),
        max_value=datetime.datetime(9999, 12, 30),
        timezones=st.sampled_from([datetime.UTC, AMSTERDAM]),
    ),
    fmt=st.sampled_from(["d-m-Y", "d-m-Y H:i", "H:i", "c", "Y.m.d", "SHORT_DATETIME_FORMAT"]),
)
def test_any_moment_is_written_as_django_writes_it(moment: datetime.datetime, fmt: str) -> None:
    with override("nl"):
        assert datefilter.date(moment, fmt) == django_date(moment, fmt)
        assert datefilter.date(moment.date(), "d-m-Y") == django_date(moment.date(), "d-m-Y")
