"""Reads and access-log entries shared by the sections of one page (the dashboard).

* ``decide_ids``: the cases several sections list, loaded and decided by the policy once.
* ``AccessLogBatch``: the access-log entries of those sections, written together.

A page that combines several modules (the dashboard) calls several selectors; each of them logs
what it returns. Written one by one, that is one transaction per selector. With a batch the
selectors hand their entries over instead and the page writes them all at once, before it
answers: the same entries in one statement, so one round trip and one commit (NEN 7513; the
log stays complete: ``write`` runs before the response is built).

Part of ``access`` because it is the policy and the logging of reads, for pages that span
modules; domain selectors import it like ``access.selectors``.

Selectors take ``log: AccessLogBatch | None``; with ``None`` they log at once, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Value
from django.http import HttpRequest

from passend.access import selectors as access
from passend.access.selectors import CaseRow
from passend.privacy.context import AccessContext
from passend.privacy.services import LogItem, record_access_lists


@dataclass(frozen=True)
class InvolvedCase:
    pk: int
    kind: str
    case_director_id: int | None
    flag: bool  # the caller's annotation (e.g. "has an open action of the user")


def involved_index(request: HttpRequest, flag: Any = None) -> list[InvolvedCase]:
    """The cases the acting user is involved in, as ``access.involved_cases`` gives them (the
    same rows, in the same order: latest first), with kind and case director only: one scan of
    the user's participations from which each section picks its cases (``flag``: an optional
    boolean expression, such as an ``Exists``, evaluated per case)."""
    queryset = access.involved_cases(request.user, getattr(request, "membership", None))
    queryset = queryset.annotate(dashboard_flag=flag if flag is not None else Value(False))
    return [
        InvolvedCase(*values)
        for values in queryset.values_list("pk", "kind", "case_director_id", "dashboard_flag")
    ]


def decide_ids(request: HttpRequest, ids: list[int]) -> dict[int, CaseRow]:
    """The allowed rows of these cases, by id: one policy load for several sections (the same
    decision ``access.decide_rows`` makes for each of them on its own). The light policy input
    of lists (``with_row_policy_data``): the rows carry the case and the pupil's name, never
    show their related rows."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return {}
    membership = getattr(request, "membership", None)
    cases = access.cases_for_rows(unique, request.user, membership)
    return {row.case.pk: row for row in access.decide_rows(request, cases)}


def rows_of(decided: dict[int, CaseRow], ids: list[int]) -> list[CaseRow]:
    """The decided rows of ``ids``, in their order (what ``decide_rows`` returns for them)."""
    return [decided[pk] for pk in ids if pk in decided]


@dataclass
class AccessLogBatch:
    request: HttpRequest
    _rows: list[CaseRow] = field(default_factory=list)
    # activity -> items, action "list"; in the order the activities first came in
    _items: dict[str, list[LogItem]] = field(default_factory=dict)

    _seen: set[tuple[str, str, str]] = field(default_factory=set)

    def rows(self, rows: list[CaseRow]) -> None:
        """Cases listed (``access.log_rows``: activity case_management, action list); a case
        several sections show is logged once per page."""
        for row in rows:
            key = (access.ACTIVITY, "cases.case", str(row.case.pk))
            if key not in self._seen:
                self._seen.add(key)
                self._rows.append(row)

    def items(self, activity: str, items: list[LogItem]) -> None:
        """Module objects listed (``record_access_many`` with action list); once per page."""
        listed = self._items.setdefault(activity, [])
        for item in items:
            key = (activity, item.object_type, item.object_id)
            if key not in self._seen:
                self._seen.add(key)
                listed.append(item)

    def write(self) -> None:
        """Every entry of the page in one statement: the cases first, then each activity's
        objects in the order the activities came in."""
        lists = [(access.ACTIVITY, access.row_items(self._rows)), *self._items.items()]
        record_access_lists(AccessContext.from_request(self.request), lists, action="list")
        self._rows = []
        self._items = {}
        self._seen = set()


def batch_or_now(request: HttpRequest, log: AccessLogBatch | None) -> tuple[AccessLogBatch, bool]:
    """The caller's batch, or a new one the selector writes itself (``True``)."""
    if log is not None:
        return log, False
    return AccessLogBatch(request), True
