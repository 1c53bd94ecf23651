"""Reads of the FG console: a register's table for the page, its CSV and its PDF (ORG-05), and
a requester's register PDFs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from passend.fg.models import AVAILABLE_HOURS, RegisterPdf
from passend.privacy import registers

REGISTERS: dict[str, tuple[Callable[[], Sequence[Any]], Any, Any]] = {
    "processing": (
        registers.processing_register,
        registers.PROCESSING_COLUMNS,
        gettext_lazy("Register van verwerkingsactiviteiten (AVG art. 30)"),
    ),
    "access": (
        registers.access_register,
        registers.ACCESS_COLUMNS,
        gettext_lazy("Toegangsregister (ORG-05)"),
    ),
}


def register_rows(name: str) -> tuple[Sequence[Any], Any]:
    """The register's rows, generated from the real permission data, and all of its columns
    (the CSV's)."""
    build, columns, _title = REGISTERS[name]
    return build(), columns


def register_context(name: str, rows: Sequence[Any]) -> dict[str, Any]:
    """What the page and the PDF show of a register's rows."""
    _build, columns, title = REGISTERS[name]
    shown = columns
    context: dict[str, Any] = {"title": title, "name": name, "generated_at": timezone.now()}
    if name == "access":
        # Each role's categories and scope once, then the persons (ORG-05; registers.py).
        shown = registers.ACCESS_PERSON_COLUMNS
        context["role_headers"] = [label for _n, label in registers.ROLE_ACCESS_COLUMNS]
        context["role_rows"] = registers.table(
            registers.access_by_role(rows), registers.ROLE_ACCESS_COLUMNS
        )
    context["headers"] = [label for _n, label in shown]
    context["rows"] = registers.table(rows, shown)
    return context


def available_since(now: dt.datetime | None = None) -> dt.datetime:
    """A PDF requested before this moment is no longer handed out (``AVAILABLE_HOURS``)."""
    return (now or timezone.now()) - dt.timedelta(hours=AVAILABLE_HOURS)


def register_pdfs_of(user: Any) -> QuerySet[RegisterPdf]:
    """The user's own register PDFs that can still be downloaded, newest first."""
    return RegisterPdf.objects.filter(requested_by=user, created_at__gte=available_since())
