"""Helpers for the pupils tests: valid BSNs, pupils, CSV exports."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from passend.privacy.context import AccessContext


def _weighted(digits: str) -> int:
    return sum((9 - i) * int(d) for i, d in enumerate(digits[:8]))


def bsn_from(prefix8: str) -> str | None:
    """The valid BSN (elfproef remainder 0) with these first 8 digits, if one exists."""
    check = _weighted(prefix8) % 11
    return None if check == 10 else prefix8 + str(check)


def onderwijsnummer_from(prefix8: str) -> str | None:
    """The valid onderwijsnummer (starts with 10, elfproef remainder 5), if one exists."""
    assert prefix8.startswith("10")
    check = (_weighted(prefix8) - 5) % 11
    return None if check == 10 else prefix8 + str(check)


VALID_BSN = "123456782"
VALID_BSN_8 = "12345672"  # 012345672 with the leading zero dropped
VALID_ONDERWIJSNUMMER = "101222331"


@pytest.fixture
def context() -> AccessContext:
    return AccessContext(trace_id="test")


def make_pupil(birth_date: date = date(2012, 5, 1), **kwargs: Any) -> Any:
    from passend.pupils.models import Pupil

    values = {"first_name": "Sam", "last_name": "Jansen", "birth_date": birth_date, **kwargs}
    return Pupil.objects.create(**values)


def csv_bytes(
    rows: Sequence[Sequence[str]], *, delimiter: str = ";", encoding: str = "utf-8-sig"
) -> io.BytesIO:
    text = "\r\n".join(delimiter.join(cells) for cells in rows) + "\r\n"
    return io.BytesIO(text.encode(encoding))


PARNASSYS_HEADER = [
    "Leerlingnummer",
    "Roepnaam",
    "Voorvoegsel",
    "Achternaam",
    "Geboortedatum",
    "Geslacht",
    "Groep",
    "BSN",
    "Woonplaats",
]
