"""Writes of the privacy app. The access log is written only through `record_access`."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import CharField, Max, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from passend.privacy import activities, chain
from passend.privacy.context import AccessContext
from passend.privacy.models import GENESIS_HASH, AccessLogEntry, AccessLogSeal, Outcome

logger = logging.getLogger(__name__)

# Arbitrary constants naming the access log's advisory locks on PostgreSQL: every writer holds
# the fence lock shared (writers never wait for each other, nor for the sealer); one sealer at
# a time holds the sealer lock.
_FENCE_LOCK_KEY = 7_513_0001
_SEALER_LOCK_KEY = 7_513_0002
# Entries per sealed block at most (a sealer run makes as many blocks as it needs).
SEAL_BLOCK_SIZE = 10_000
# The process's sealer thread (``_seal_soon``).
_sealer_thread: threading.Thread | None = None
_sealer_pid = 0
_sealer_start = threading.Lock()
_sealer_wakeup = threading.Event()
# Held by the sealer thread from taking a wake-up until its run has ended.
_sealer_running = threading.Lock()
# The sealer thread's database connection (Django's, of that thread), and how long it is kept
# without a run.
_sealer_connection: Any = None
_SEALER_IDLE_SECONDS = 10.0


def _one_line(value: str, limit: int) -> str:
    # Control characters (CR/LF included) never reach the log: they could forge lines.
    if value.isprintable():  # nearly always: no per-character copy (bulk imports log a lot)
        return value[:limit]
    return "".join(ch if ch.isprintable() else " " for ch in value)[:limit]


def _context_fields(
    context: AccessContext, *, action: str, activity: str, outcome: str, reason: str
) -> dict[str, Any]:
    """The fields that every entry of one call shares: who, for whom, what, why."""
    activities.get(activity)  # refuses undeclared processing activities
    user = context.user
    return {
        # The id, not the user: setting the relation checks the instance per entry.
        "actor_id": user.pk if user else None,
        "actor_username": _one_line(user.get_username() if user else context.actor_label, 150),
        "organisation_id": context.organisation_id,
        "role": context.role,
        "action": _one_line(action, 40),
        "activity": activity,
        "trace_id": _one_line(context.trace_id, 64),
        "outcome": outcome,
        "reason": _one_line(str(reason), 200),
        "ip_address": context.ip_address,
    }


def _new_entry(
    shared: dict[str, Any],
    *,
    subject_pseudonym: str,
    object_type: str,
    object_id: str,
    data_categories: Iterable[str],
    legal_ground: str,
) -> AccessLogEntry:
    item = LogItem(subject_pseudonym, object_type, object_id, tuple(data_categories), legal_ground)
    return _entry_of(_rows(shared, [item])[0])


def _entry_of(row: list[Any]) -> AccessLogEntry:
    # Positional: Model.__init__'s fast path (issue 10, session 12); the id first, still empty.
    values: Any = [None, *row]
    return AccessLogEntry(*values)


def _rows(shared: dict[str, Any], items: Iterable[LogItem]) -> list[list[Any]]:
    """Entries as rows of the written columns (``_WRITTEN_NAMES``), the time still empty
    (stamped when written). A list page's entries stay rows: making its 50 model instances took
    5 µs each, most of what logging a list cost in Python (session 15)."""
    # Every column by name: a column added to the model without a value here is a KeyError.
    values = {**shared, "occurred_at": None, **dict.fromkeys(_ITEM_NAMES, "")}
    template = [values[name] for name in _WRITTEN_NAMES]
    subject, object_type, object_id, categories, ground = _ITEM_POSITIONS
    rows = []
    for item in items:
        row = template.copy()
        row[subject] = item.subject_pseudonym
        row[object_type] = item.object_type
        row[object_id] = _one_line(str(item.object_id), 64)
        row[categories] = ",".join(sorted(set(item.data_categories)))
        row[ground] = _one_line(str(item.legal_ground), 200)
        rows.append(row)
    return rows


# The columns an entry is written with (every one but the id, which the table draws; the
# model's first field, so that ``_entry_of`` makes an entry of a row).
_WRITTEN_FIELDS = tuple(f for f in AccessLogEntry._meta.concrete_fields if not f.primary_key)
_WRITTEN_NAMES = tuple(f.attname for f in _WRITTEN_FIELDS)
_WRITTEN_COLUMNS = ", ".join(str(f.column) for f in _WRITTEN_FIELDS)
_OCCURRED_AT = _WRITTEN_NAMES.index("occurred_at")
# The columns each item of a list fills in (``LogItem``), in the order ``_rows`` sets them.
_ITEM_NAMES = ("subject_pseudonym", "object_type", "object_id", "data_categories", "legal_ground")
_ITEM_POSITIONS = tuple(_WRITTEN_NAMES.index(name) for name in _ITEM_NAMES)


def _append(entries: list[AccessLogEntry]) -> None:
    """Inserts entries (``record_access``'s one) in the caller's transaction; sealed after its
    commit. On PostgreSQL one entry is one statement (``_INSERT_ONE``), which takes the fence
    lock and then draws the id; several go as rows (``_append_rows``)."""
    if connection.vendor == "postgresql" and len(entries) != 1:
        _append_rows([[getattr(entry, name) for name in _WRITTEN_NAMES] for entry in entries])
        return
    if connection.vendor != "postgresql":
        with transaction.atomic():
            _stamp(entries)
            AccessLogEntry.objects.bulk_create(entries)
            transaction.on_commit(_seal_soon)
        return
    _stamp(entries)
    _insert_one(entries[0])
    # Outside a transaction the statement has committed and this runs at once.
    transaction.on_commit(_seal_soon)


def _append_rows(rows: list[list[Any]]) -> None:
    """Inserts a list's entries (rows of ``_WRITTEN_NAMES``) in one statement, in the caller's
    transaction; sealed after its commit.

    On PostgreSQL every writer holds the fence lock (shared) from before it draws entry ids
    until its transaction ends, so that the sealer's fence (``_fence``) sees every writer that
    may hold an id. The statement takes the lock and then draws the ids: outside a transaction
    (a page that only reads) it is its own transaction, so a page's log entries cost one round
    trip instead of four (begin, lock, write, commit; docs/performance.md, sessions 9 and 15).
    Many entries (an import's thousands) go by ``COPY``, which PostgreSQL writes while the rest
    is still being sent.
    """
    if connection.vendor != "postgresql":
        _append([_entry_of(row) for row in rows])
        return
    if len(rows) > _COPY_ABOVE:
        with transaction.atomic():
            _stamp_rows(rows)
            _copy(rows)
            transaction.on_commit(_seal_soon)
        return
    _stamp_rows(rows)
    _insert_many(rows)
    # Outside a transaction the statement has committed and this runs at once.
    transaction.on_commit(_seal_soon)


# Above this many entries ``COPY`` takes less time than one statement (session 15: 500
# entries took as long either way, 2,000 a quarter longer by statement).
_COPY_ABOVE = 500
_COPY_ENTRIES = f"COPY {AccessLogEntry._meta.db_table} ({_WRITTEN_COLUMNS}) FROM STDIN"
_COPY_LOGGED = f"{_COPY_ENTRIES} /* after SELECT pg_advisory_xact_lock_shared({_FENCE_LOCK_KEY}) */"


def _copy(rows: list[list[Any]]) -> None:
    """The fence lock, then ``COPY``, in Django's query log as one write of the log, like the
    other ways of writing it, so that a page's query count does not depend on how many entries
    it logs (the tests' constant-query checks)."""
    start = time.monotonic()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own: COPY is not on Django's cursor wrapper
        raw.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_FENCE_LOCK_KEY])
        with raw.copy(_COPY_ENTRIES) as copy:
            for row in rows:
                copy.write_row(row)
    if connection.queries_logged:
        duration = time.monotonic() - start
        connection.queries_log.append({"sql": _COPY_LOGGED, "time": f"{duration:.3f}"})


def _stamp(entries: list[AccessLogEntry]) -> None:
    now = timezone.now()
    for entry in entries:
        entry.occurred_at = now


def _stamp_rows(rows: list[list[Any]]) -> None:
    now = timezone.now()
    for row in rows:
        row[_OCCURRED_AT] = now


# The fence lock, then the id, in one statement: the scalar subquery holds a volatile call, so
# PostgreSQL evaluates it (the lock) before the nextval() that reads its row.
# Identifiers are the model's own; values are parameters.
_INSERT_ONE = (
    f'INSERT INTO "{AccessLogEntry._meta.db_table}" '  # noqa: S608
    f"(id, {_WRITTEN_COLUMNS}) VALUES ("
    f"(SELECT nextval(pg_get_serial_sequence('{AccessLogEntry._meta.db_table}', 'id')) "
    "FROM (SELECT pg_advisory_xact_lock_shared(%s)) AS fence), "
    f"{', '.join(['%s'] * len(_WRITTEN_FIELDS))}) RETURNING id"
)


def _insert_one(entry: AccessLogEntry) -> None:
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _WRITTEN_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ONE, [_FENCE_LOCK_KEY, *values])
        entry.id = cursor.fetchone()[0]


@functools.cache
def _insert_many_sql(varying: tuple[bool, ...]) -> str:
    """The statement writing many entries: the columns whose values differ between the entries
    come as one JSON array per entry, in one parameter; a column with one value for all (a list
    page's actor, time, action, ...) is a single parameter. The fence lock is in the row source,
    so PostgreSQL takes it before it draws the first id (the column's default, per row)."""
    # Character columns stay text, so that a value too long for its column is refused on
    # insert (a cast to varchar(n) would cut it silently).
    types = [
        "text" if f.get_internal_type() == "CharField" else str(f.db_type(connection))
        for f in _WRITTEN_FIELDS
    ]
    positions = iter(range(len(types)))
    values = [
        f"(entry.item ->> {next(positions)})::{kind}" if varies else f"%s::{kind}"
        for kind, varies in zip(types, varying, strict=True)
    ]
    return (
        f'INSERT INTO "{AccessLogEntry._meta.db_table}" ({_WRITTEN_COLUMNS}) '  # noqa: S608
        f"SELECT {', '.join(values)} "
        "FROM (SELECT pg_advisory_xact_lock_shared(%s)) AS fence, "
        "jsonb_array_elements(%s::jsonb) AS entry(item)"
    )


def _json_value(value: object) -> str:
    if isinstance(value, datetime):  # occurred_at, when nothing else differs
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _insert_many(rows: list[list[Any]]) -> None:
    """A list page's entries. Against the lock and ``COPY`` in a transaction: one round trip
    instead of four, and for 50 entries half the CPU (session 15). JSON because psycopg adapts
    a list parameter element by element in Python, and ``json`` encodes in C."""
    columns = list(zip(*rows, strict=True))
    count = len(rows)
    varying = tuple(column.count(column[0]) != count for column in columns)
    if not any(varying):  # the same entry many times: one column is enough to make the rows
        varying = (True, *varying[1:])
    scalars = [column[0] for column, varies in zip(columns, varying, strict=True) if not varies]
    varied = zip(*(c for c, varies in zip(columns, varying, strict=True) if varies), strict=True)
    items = json.dumps(list(varied), ensure_ascii=False, default=_json_value)
    with connection.cursor() as cursor:
        cursor.execute(_insert_many_sql(varying), [*scalars, _FENCE_LOCK_KEY, items])


def _seal_soon() -> None:
    """Wakes this process's sealer thread after a commit that wrote entries.

    The thread seals at most once per ``PASSEND_ACCESS_LOG_SEAL_SECONDS`` (default 1 s; ``None``
    leaves sealing to ``manage.py seal_access_log``), on its own database connection, so no
    request waits for it; an unsealed entry is sealed by the next run, and
    ``verify_access_log`` reports entries that stay unsealed.
    """
    global _sealer_thread, _sealer_pid
    if settings.PASSEND_ACCESS_LOG_SEAL_SECONDS is None:
        return
    if _sealer_thread is None or _sealer_pid != os.getpid() or not _sealer_thread.is_alive():
        with _sealer_start:
            if (
                _sealer_thread is None
                or _sealer_pid != os.getpid()  # a forked worker starts its own
                or not _sealer_thread.is_alive()
            ):
                _sealer_thread = threading.Thread(
                    target=_sealer_loop, name="access-log-sealer", daemon=True
                )
                _sealer_pid = os.getpid()
                _sealer_thread.start()
    _sealer_wakeup.set()


@contextlib.contextmanager
def background_sealing_held() -> Iterator[None]:
    """Holds this process's sealer thread between runs: none is going on inside, and a run
    asked for before is withdrawn (the entries are sealed after the next commit that writes
    some, or by ``manage.py seal_access_log``). The thread's connection is closed first, so
    inside the database it connects to can be created or dropped (the benchmarks' throwaway
    databases, the tests' database at the end)."""
    with _sealer_running:
        _sealer_wakeup.clear()
        if _sealer_connection is not None and _sealer_pid == os.getpid():  # not a parent's
            _sealer_connection.close()
        yield


def _sealer_loop() -> None:
    global _sealer_connection
    # Its own connection, kept between runs while commits keep asking for them: opening one
    # for each run cost 7.4 ms of CPU against 1.9 ms for the run itself (session 14), with
    # every worker sealing once a second under load. Closed after a quiet spell, so an idle
    # thread holds none, and by ``background_sealing_held`` from another thread.
    own = connections[DEFAULT_DB_ALIAS]  # not the proxy, which is per thread
    own.inc_thread_sharing()
    _sealer_connection = own
    while True:
        interval = settings.PASSEND_ACCESS_LOG_SEAL_SECONDS or 1.0
        _sealer_wakeup.wait(timeout=max(_SEALER_IDLE_SECONDS, interval))
        with _sealer_running:
            # Taken and checked under the lock, so whoever holds the lock and clears the
            # wake-up knows no run starts until the next commit asks for one.
            if not _sealer_wakeup.is_set():
                connection.close()  # quiet (or the run was withdrawn)
                continue
            _sealer_wakeup.clear()
            try:
                seal_access_log(wait=interval)
            except DatabaseError as error:
                # The error's kind only: its message may quote a row's values.
                logger.warning(
                    "Sealing the access log failed (%s); the next run seals these entries.",
                    type(error).__name__,
                )
                connection.close()  # a broken connection is opened again by the next run
        time.sleep(interval)


# Holders of the fence lock in this database, other than this session (pg_locks shows a
# bigint advisory key as classid = high half, objid = low half, objsubid = 1).
_FENCE_HOLDERS = (
    "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid = %s AND objid = %s AND objsubid = 1 AND pid <> pg_backend_pid()"
)


def _fence(wait: float) -> int | None:
    """The highest entry id up to which every entry is final (committed or rolled back), or
    None when that is not known within ``wait`` seconds.

    PostgreSQL: take the highest visible id, then the writers holding the fence lock. A writer
    that drew an id up to it took the lock before (``_append``), so it has either ended or is
    among them; once those have all ended, the id is a fence. Nobody waits for the sealer, and
    a steady stream of new writers cannot starve it: only the writers seen at the start count.
    SQLite has one writer at a time, so its committed ids are final.
    """
    fence = AccessLogEntry.objects.aggregate(last=Max("id"))["last"] or 0
    if connection.vendor != "postgresql":
        return fence
    key = (_FENCE_LOCK_KEY >> 32, _FENCE_LOCK_KEY & 0xFFFFFFFF)
    deadline = time.monotonic() + wait
    with connection.cursor() as cursor:
        cursor.execute(_FENCE_HOLDERS, key)
        busy = [row[0] for row in cursor.fetchall()]
        while busy:
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.005)
            cursor.execute(_FENCE_HOLDERS + " AND virtualtransaction = ANY(%s)", [*key, busy])
            busy = [row[0] for row in cursor.fetchall()]
    return fence


def seal_access_log(*, block_size: int = SEAL_BLOCK_SIZE, wait: float = 5.0) -> int:
    """Seals every final, unsealed entry into blocks of the hash chain; returns how many.

    Safe to run from several processes at once (one seals, the others return 0) and as often as
    wanted; ``manage.py seal_access_log`` runs it from a scheduler, and writers run it after
    their commit (``_seal_soon``). ``wait``: how long to wait for writers that were busy when
    it started (at most; they are not held up)."""
    fence = _fence(wait)
    if fence is None:
        return 0
    sealed = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SEALER_LOCK_KEY])
                    if not cursor.fetchone()[0]:
                        return sealed
            last = AccessLogSeal.objects.order_by("-last_entry_id").first()
            after = last.last_entry_id if last else 0
            previous = last.block_hash if last else GENESIS_HASH
            block = AccessLogEntry.objects.filter(id__gt=after, id__lte=fence).order_by("id")
            digests = _digests(block[:block_size])
            if not digests:
                return sealed
            last_id = next(reversed(digests))
            AccessLogSeal.objects.create(
                after_entry_id=after,
                last_entry_id=last_id,
                entry_count=len(digests),
                sealed_at=timezone.now(),
                previous_hash=previous,
                block_hash=chain.block_hash(previous, after, last_id, digests.values()),
            )
            sealed += len(digests)
        if len(digests) < block_size:
            return sealed


def _sql_digest() -> RawSQL:
    # A constant of the model's column names and literals: no value reaches it.
    return RawSQL(chain.DIGEST_SQL, (), output_field=CharField())  # noqa: S611


def _digests(entries: QuerySet[AccessLogEntry]) -> dict[int, str]:
    """Entry id -> digest (``chain.row_digest``), in id order. On PostgreSQL the database
    computes them (``chain.DIGEST_SQL``) but for entries with text that SQL does not write
    (NULL), which are read and digested here."""
    if connection.vendor != "postgresql":
        return {row[0]: chain.row_digest(row) for row in entries.values_list(*chain.ROW_COLUMNS)}
    digests = dict(entries.values_list("id", _sql_digest()))
    unwritten = [entry_id for entry_id, digest in digests.items() if digest is None]
    if unwritten:
        rows = AccessLogEntry.objects.filter(id__in=unwritten).values_list(*chain.ROW_COLUMNS)
        digests.update((row[0], chain.row_digest(row)) for row in rows)
    return digests


def record_access(
    context: AccessContext,
    *,
    action: str,
    activity: str,
    outcome: str = Outcome.ALLOWED,
    subject_pseudonym: str = "",
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    data_categories: Iterable[str] = (),
    legal_ground: str = "",
    reason: str = "",
) -> AccessLogEntry:
    """Append one entry to the access log, inside the caller's transaction.

    Called inside the transaction of the write it records, so that the two commit or roll back
    together. The entry is sealed into the hash chain after its commit (``seal_access_log``):
    concurrent writers do not wait for each other.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    entry = _new_entry(
        _context_fields(context, action=action, activity=activity, outcome=outcome, reason=reason),
        subject_pseudonym=subject_pseudonym,
        object_type=object_type,
        object_id=object_id,
        data_categories=data_categories,
        legal_ground=legal_ground,
    )
    _append([entry])
    return entry


@dataclass(frozen=True)
class LogItem:
    """One subject/object of a bulk access (a list page shows many pupils at once)."""

    subject_pseudonym: str
    object_type: str
    object_id: str
    data_categories: tuple[str, ...] = ()
    legal_ground: str = ""


def record_access_many(
    context: AccessContext,
    items: Iterable[LogItem],
    *,
    action: str,
    activity: str,
    outcome: str = Outcome.ALLOWED,
    reason: str = "",
) -> None:
    """One entry per item shown, inserted in a single statement."""
    shared = _context_fields(
        context, action=action, activity=activity, outcome=outcome, reason=reason
    )
    rows = _rows(shared, items)
    if rows:
        _append_rows(rows)


def record_access_lists(
    context: AccessContext, lists: Iterable[tuple[str, Iterable[LogItem]]], *, action: str
) -> None:
    """``record_access_many`` for several processing activities at once: the items each
    activity listed, all in one statement (one transaction). A page that lists objects of
    several modules (the start page) wrote one statement, and so one commit, per activity."""
    rows = []
    for activity, items in lists:
        shared = _context_fields(
            context, action=action, activity=activity, outcome=Outcome.ALLOWED, reason=""
        )
        rows.extend(_rows(shared, items))
    if rows:
        _append_rows(rows)


# --- Subject requests (PRV-01..04) and disclosures (PRV-05), issue 8 --------------------------
#
# `privacy` imports no domain app: the pupil is reached through the foreign key on the request,
# organisations are held by id (like the access log) and looked up through the app registry.

SUBJECT_RIGHTS = "subject_rights"
REQUEST_OBJECT_TYPE = "privacy.subjectrequest"
REQUEST_TERM_RULE = "subject-request"
# Who takes in and handles requests for their organisation (the controller): the FG, the SWV
# director and the information desk at an SWV; the support coordinator (the privacy contact)
# at a school (ORG-02, PRV-01).
HANDLER_ROLES = frozenset(
    {"privacy_officer", "swv_director", "information_desk", "support_coordinator"}
)
# After a decision these kinds are carried out by restricting processing (AVG art. 18, 21).
RESTRICTING_KINDS = frozenset({"restriction", "objection"})
NOTIFYING_KINDS = frozenset({"rectification", "erasure"})


def pupil_subject(pupil_id: object) -> str:
    """The pseudonym under which the access log records a pupil (see access.selectors)."""
    from passend.privacy.context import subject_pseudonym

    return subject_pseudonym("pupil", pupil_id)


def _organisation(organisation_id: int | None) -> Any:
    from django.apps import apps

    if organisation_id is None:
        return None
    return apps.get_model("accounts", "Organisation").objects.filter(pk=organisation_id).first()


def responsible_organisation_id(pupil: Any) -> int | None:
    """The controller of a pupil's file for a portal request: the SWV of the current school
    (or the school itself when it belongs to no SWV)."""
    enrolment = (
        pupil.enrolments.filter(end_date__isnull=True)
        .select_related("school")
        .order_by("-start_date")
        .first()
    )
    if enrolment is None:
        return None
    return enrolment.school.swv_id or enrolment.school_id


def _log_request(context: AccessContext, action: str, request: Any, **extra: Any) -> None:
    record_access(
        context,
        action=action,
        activity=SUBJECT_RIGHTS,
        subject_pseudonym=request.subject_pseudonym,
        obj=request,
        data_categories=extra.pop("data_categories", ("ordinary",)),
        legal_ground="AVG art. 12-22",
        **extra,
    )


def _event(request: Any, kind: str, user: Any, note: str = "") -> Any:
    from passend.privacy.models import SubjectRequestEvent

    return SubjectRequestEvent.objects.create(request=request, kind=kind, note=note, actor=user)


def _open_term(request: Any) -> Any:
    from passend.terms.selectors import terms_for

    return (
        terms_for(REQUEST_OBJECT_TYPE, request.pk)
        .filter(rule__code=REQUEST_TERM_RULE)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def submit_subject_request(
    *,
    pupil: Any,
    kind: str,
    description: str,
    requester_name: str,
    requester_relation: str,
    channel: str,
    organisation_id: int | None = None,
    received_on: Any = None,
    identity_verified: bool = False,
    identity_note: str = "",
    registered_by: Any = None,
    context: AccessContext | None = None,
) -> Any:
    """Takes in a data subject request (PRV-01) and starts its term (PRV-02/03/04).

    Called by the parent/youth portal (``channel="portal"``) and by staff intake
    (``channel="staff"``, through ``register_subject_request``).

    - ``pupil``: the ``pupils.Pupil`` the request is about (the data subject).
    - ``kind``: a ``privacy.models.RequestKind`` value: ``access``, ``rectification``,
      ``erasure``, ``restriction``, ``objection``, ``complaint`` or ``human_review``.
    - ``description``: what the requester asks, in their words (BSN-guarded).
    - ``requester_name`` / ``requester_relation``: who asks, and as what
      (``RequesterRelation``: ``pupil``, ``parent``, ``guardian``, ``other``).
    - ``organisation_id``: the controller that handles it; default the SWV of the pupil's
      current school (``responsible_organisation_id``).
    - ``received_on``: default today. ``identity_verified``: True only when staff checked the
      requester's identity at intake; otherwise the term is suspended from receipt until
      ``verify_identity`` (PRV-02: doubt about identity suspends the term).
    - ``context``: the access-log context (the portal passes its own; default "system").

    The due date is 4 weeks after receipt (TermRule ``subject-request``), plus the days the
    term was suspended, plus any extension. Raises ``ValidationError`` keyed by field.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from passend.bsn_guard import ensure_no_bsn
    from passend.privacy.models import (
        RequestChannel,
        RequesterRelation,
        RequestKind,
        SubjectRequest,
        SubjectRequestEvent,
    )
    from passend.terms import services as terms

    context = context or AccessContext.system()
    today = timezone.localdate()
    received = received_on or today
    errors: dict[str, str] = {}
    if pupil is None or getattr(pupil, "pk", None) is None:
        errors["pupil"] = _("Kies de leerling om wie het verzoek gaat (PRV-01).")
    if kind not in RequestKind.values:
        errors["kind"] = _(
            "Kies het soort verzoek: inzage, rectificatie, verwijdering, beperking, bezwaar, "
            "klacht of menselijke blik (PRV-01)."
        )
    if channel not in RequestChannel.values:
        errors["channel"] = _("Kanaal is 'portal' of 'staff' (PRV-01).")
    if requester_relation not in RequesterRelation.values:
        errors["requester_relation"] = _("Kies de relatie van de verzoeker tot de leerling.")
    if not str(description).strip():
        errors["description"] = _("Beschrijf het verzoek (PRV-01).")
    if not str(requester_name).strip():
        errors["requester_name"] = _("Vul de naam van de verzoeker in.")
    if received > today:
        errors["received_on"] = _("De ontvangstdatum ligt in de toekomst.")
    if organisation_id is None and not errors:
        organisation_id = responsible_organisation_id(pupil)
    if organisation_id is None and "pupil" not in errors:
        errors["pupil"] = _(
            "Deze leerling staat niet ingeschreven; kies de organisatie die het verzoek "
            "behandelt (PRV-01)."
        )
    if errors or organisation_id is None:
        raise ValidationError(errors)
    ensure_no_bsn(
        {
            "description": description,
            "requester_name": requester_name,
            "identity_note": identity_note,
        }
    )
    request = SubjectRequest.objects.create(
        reference=f"tmp-{uuid.uuid4().hex[:16]}",
        pupil=pupil,
        subject_pseudonym=pupil_subject(pupil.pk),
        organisation_id=organisation_id,
        kind=kind,
        channel=channel,
        description=str(description).strip(),
        requester_name=str(requester_name).strip()[:200],
        requester_relation=requester_relation,
        received_on=received,
        identity_verified_on=received if identity_verified else None,
        identity_note=identity_note.strip()[:300],
        due_date=received,
        registered_by=registered_by,
    )
    request.reference = f"AVG-{received.year}-{request.pk:05d}"
    term = terms.start_term(
        REQUEST_TERM_RULE,
        object_type=REQUEST_OBJECT_TYPE,
        object_id=request.pk,
        start_date=received,
        owner=_organisation(organisation_id),
        subject_pseudonym=request.subject_pseudonym,
        created_by=registered_by,
    )
    if not identity_verified:
        terms.suspend(term, received)
    request.due_date = term.due_date
    request.save(update_fields=["reference", "due_date"])
    _event(
        request,
        SubjectRequestEvent.Kind.RECEIVED,
        registered_by,
        _("Via %(channel)s.") % {"channel": RequestChannel(channel).label},
    )
    _log_request(context, "create", request)
    return request


def _require_handler(actor: Any, request: Any, *, intake: bool = False) -> None:
    """The request's organisation, in a handler role, or the assigned handler."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    membership = actor.membership
    if membership is None or membership.organisation_id != request.organisation_id:
        raise PermissionDenied(_("Dit verzoek hoort bij een andere organisatie (PRV-01)."))
    if membership.role in HANDLER_ROLES:
        return
    if not intake and request.assigned_to_id == actor.user.pk:
        return
    raise PermissionDenied(
        _("Alleen de FG, de privacycontactpersoon of de behandelaar doet dit (PRV-01).")
    )


def is_handler(membership: Any) -> bool:
    return membership is not None and membership.role in HANDLER_ROLES


@transaction.atomic
def register_subject_request(actor: Any, *, pupil: Any, **values: Any) -> Any:
    """Staff intake (PRV-01): the acting organisation becomes the controller of the request."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    if not is_handler(actor.membership):
        raise PermissionDenied(
            _("Verzoeken boekt de FG of de privacycontactpersoon van de organisatie in (PRV-01).")
        )
    return submit_subject_request(
        pupil=pupil,
        channel="staff",
        organisation_id=actor.membership.organisation_id,
        registered_by=actor.user,
        context=actor.context,
        **values,
    )


def _locked(request: Any) -> Any:
    from passend.privacy.models import SubjectRequest

    return SubjectRequest.objects.select_for_update().get(pk=request.pk)


def _require_open(request: Any) -> None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if request.status not in (request.Status.RECEIVED, request.Status.ASSIGNED):
        raise ValidationError(
            {
                "status": _("Over dit verzoek is al besloten (status: %(s)s).")
                % {"s": request.get_status_display()}
            }
        )


@transaction.atomic
def verify_identity(actor: Any, request: Any, *, on: Any = None, note: str = "") -> Any:
    """PRV-02: proof of identity arrived; the suspended term runs again from ``on``."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from passend.bsn_guard import ensure_no_bsn
    from passend.privacy.models import SubjectRequestEvent
    from passend.terms import services as terms

    request = _locked(request)
    _require_handler(actor, request)
    on = on or timezone.localdate()
    if request.identity_verified_on is not None:
        raise ValidationError({"on": _("De identiteit is al vastgesteld.")})
    if on < request.received_on or on > timezone.localdate():
        raise ValidationError({"on": _("De datum ligt tussen de ontvangst en vandaag (PRV-02).")})
    if not note.strip():
        raise ValidationError({"note": _("Vermeld hoe de identiteit is vastgesteld (PRV-02).")})
    ensure_no_bsn({"note": note})
    term = _open_term(request)
    if term is not None and term.is_suspended:
        term = terms.resume(term, on)
        request.due_date = term.due_date
    request.identity_verified_on = on
    request.identity_note = note.strip()[:300]
    request.save(update_fields=["identity_verified_on", "identity_note", "due_date", "updated_at"])
    _event(request, SubjectRequestEvent.Kind.IDENTITY_VERIFIED, actor.user, note.strip())
    _log_request(actor.context, "verify_identity", request)
    return request


def assignable_handlers(organisation_id: int) -> list[Any]:
    from django.apps import apps

    membership_model = apps.get_model("accounts", "Membership")
    seen: dict[int, Any] = {}
    for membership in (
        membership_model.objects.active()
        .filter(organisation_id=organisation_id, role__in=HANDLER_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    ):
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


@transaction.atomic
def assign_subject_request(actor: Any, request: Any, *, user: Any) -> Any:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from passend.privacy.models import SubjectRequestEvent

    request = _locked(request)
    _require_handler(actor, request, intake=True)
    _require_open(request)
    if user is None or user.pk not in {u.pk for u in assignable_handlers(request.organisation_id)}:
        raise ValidationError(
            {"user": _("Wijs het verzoek toe aan de FG of een privacycontactpersoon (PRV-01).")}
        )
    request.assigned_to = user
    request.status = request.Status.ASSIGNED
    request.save(update_fields=["assigned_to", "status", "updated_at"])
    _event(
        request,
        SubjectRequestEvent.Kind.ASSIGNED,
        actor.user,
        user.get_full_name() or user.get_username(),
    )
    _log_request(actor.context, "assign", request)
    return request


@transaction.atomic
def extend_subject_request(actor: Any, request: Any, *, weeks: int, reason: str) -> Any:
    """PRV-02: at most 8 more weeks (within the AVG's two months), with a reason that is told
    to the requester: the notice is recorded on the request (and printable as a letter)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from passend.bsn_guard import ensure_no_bsn
    from passend.privacy.models import SubjectRequestEvent
    from passend.terms import services as terms

    request = _locked(request)
    _require_handler(actor, request)
    _require_open(request)
    if len(reason.strip()) < 10:
        raise ValidationError(
            {
                "reason": _(
                    "Geef de reden van de verlenging; die krijgt de verzoeker te horen (PRV-02)."
                )
            }
        )
    ensure_no_bsn({"reason": reason})
    term = _open_term(request)
    if term is None:
        raise ValidationError({"weeks": _("Dit verzoek heeft geen lopende termijn.")})
    try:
        term = terms.extend(term, int(weeks), reason.strip())
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"weeks": error.messages}
        raise ValidationError(
            {"weeks": [m for values in messages.values() for m in values]}
        ) from None
    request.due_date = term.due_date
    request.extension_reason = reason.strip()[:500]
    request.save(update_fields=["due_date", "extension_reason", "updated_at"])
    _event(
        request,
        SubjectRequestEvent.Kind.EXTENDED,
        actor.user,
        _("Met %(weeks)d weken verlengd.") % {"weeks": int(weeks)},
    )
    _event(
        request,
        SubjectRequestEvent.Kind.NOTICE,
        actor.user,
        _(
            "Wij hebben meer tijd nodig om uw verzoek %(ref)s af te handelen. U krijgt uiterlijk "
            "op %(date)s antwoord. De reden: %(reason)s"
        )
        % {
            "ref": request.reference,
            "date": request.due_date.strftime("%d-%m-%Y"),
            "reason": reason.strip(),
        },
    )
    _log_request(actor.context, "extend", request)
    return request


@transaction.atomic
def decide_subject_request(
    actor: Any, request: Any, *, outcome: str, reasons: str, on: Any = None
) -> Any:
    """PRV-02..04: the decision with its reasons ends the term; a refusal closes the request.
    The decision is told to the requester (a recorded notice)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from passend.bsn_guard import ensure_no_bsn
    from passend.privacy.models import DecisionOutcome, SubjectRequestEvent
    from passend.terms import services as terms

    request = _locked(request)
    _require_handler(actor, request)
    _require_open(request)
    on = on or timezone.localdate()
    errors: dict[str, str] = {}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = _("Kies: toegewezen, deels toegewezen of afgewezen.")
    if len(reasons.strip()) < 10:
        errors["reasons"] = _("Motiveer het besluit; een afwijzing altijd met redenen (PRV-03).")
    if outcome != DecisionOutcome.REFUSED and request.identity_verified_on is None:
        errors["outcome"] = _(
            "Stel eerst de identiteit van de verzoeker vast; pas daarna kan het verzoek worden "
            "toegewezen (PRV-02)."
        )
    if errors:
        raise ValidationError(errors)
    ensure_no_bsn({"reasons": reasons})
    term = _open_term(request)
    if term is not None and term.is_open:
        terms.complete(term, on)
    request.outcome = outcome
    request.decision_reasons = reasons.strip()
    request.decided_on = on
    request.status = (
        request.Status.CLOSED if outcome == DecisionOutcome.REFUSED else request.Status.DECIDED
    )
    request.save(
        update_fields=["outcome", "decision_reasons", "decided_on", "status", "updated_at"]
    )
    label = DecisionOutcome(outcome).label
    _event(request, SubjectRequestEvent.Kind.DECIDED, actor.user, f"{label}: {reasons.strip()}")
    _event(
        request,
        SubjectRequestEvent.Kind.NOTICE,
        actor.user,
        _("Besluit op uw verzoek %(ref)s: %(outcome)s. %(reasons)s")
        % {"ref": request.reference, "outcome": label, "reasons": reasons.strip()},
    )
    _log_request(actor.context, "decide", request)
    return request


@transaction.atomic
def execute_subject_request(actor: Any, request: Any, *, note: str) -> Any:
    """Carries out a granted request and says what was done (and what not, and why).

    Rectification and erasure: every recipient in the disclosure log is told (PRV-03).
    Restriction, and an objection that is granted: processing of the pupil's files stops at
    once (a ``ProcessingRestriction`` the access policy enforces; PRV-04, AVG art. 18/21).
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from passend.bsn_guard import ensure_no_bsn
    from passend.privacy.models import ProcessingRestriction, SubjectRequestEvent

    request = _locked(request)
    _require_handler(actor, request)
    if request.status != request.Status.DECIDED:
        raise ValidationError(
            {"note": _("Alleen een toegewezen verzoek wordt uitgevoerd (PRV-03).")}
        )
    if len(note.strip()) < 5:
        raise ValidationError(
            {
                "note": _(
                    "Beschrijf de uitvoering: wat is gedaan, en wat niet kon en waarom "
                    "(bijvoorbeeld een bewaarplicht of bewaarverplichting) (PRV-03)."
                )
            }
        )
    ensure_no_bsn({"note": note})
    now = timezone.now()
    if request.kind in RESTRICTING_KINDS and request.pupil_id is not None:
        ProcessingRestriction.objects.create(
            pupil_id=request.pupil_id, request=request, started_at=now
        )
    request.status = request.Status.EXECUTED
    request.executed_on = timezone.localdate()
    request.execution_note = note.strip()
    request.save(update_fields=["status", "executed_on", "execution_note", "updated_at"])
    _event(request, SubjectRequestEvent.Kind.EXECUTED, actor.user, note.strip())
    if request.kind in NOTIFYING_KINDS:
        notify_recipients(actor, request)
    _log_request(actor.context, "execute", request)
    return request


def notify_recipients(actor: Any, request: Any) -> list[Any]:
    """PRV-03: tells every recipient of disclosed data about a rectification or erasure.

    Content-free: the e-mail to a recipient organisation's active members says only that data
    it received through Passend were corrected or erased and links to the platform. A recipient
    outside the platform (no organisation, or no addresses) gets a notice marked "manual": the
    handler informs them by letter or phone. Each disclosure is notified once per request.
    """
    from django.apps import apps
    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils.translation import gettext as _

    from passend.privacy.models import Disclosure, RecipientNotice, SubjectRequestEvent

    disclosures = list(
        Disclosure.objects.filter(subject_pseudonym=request.subject_pseudonym)
        .exclude(notices__request=request)
        .order_by("id")
    )
    if not disclosures:
        return []
    membership_model = apps.get_model("accounts", "Membership")
    organisation_ids = {
        d.recipient_organisation_id for d in disclosures if d.recipient_organisation_id
    }
    addresses: dict[int, set[str]] = {}
    for membership in (
        membership_model.objects.active()
        .filter(organisation_id__in=organisation_ids)
        .select_related("user")
    ):
        if membership.user.email:
            addresses.setdefault(membership.organisation_id, set()).add(membership.user.email)
    notices = []
    mailed: set[int] = set()
    base = str(getattr(settings, "PASSEND_BASE_URL", "http://localhost:8000")).rstrip("/")
    for disclosure in disclosures:
        emails = addresses.get(disclosure.recipient_organisation_id or 0, set())
        method = RecipientNotice.Method.EMAIL if emails else RecipientNotice.Method.MANUAL
        notices.append(
            RecipientNotice.objects.create(request=request, disclosure=disclosure, method=method)
        )
        organisation_id = disclosure.recipient_organisation_id
        if emails and organisation_id is not None and organisation_id not in mailed:
            mailed.add(organisation_id)
            send_mail(
                subject=_("Passend: verstrekte gegevens zijn gecorrigeerd of verwijderd"),
                message=_(
                    "Gegevens die uw organisatie eerder via Passend heeft ontvangen, zijn op "
                    "verzoek van de betrokkene gecorrigeerd of verwijderd. Pas uw eigen "
                    "administratie aan. Log in op Passend voor meer informatie: %(link)s"
                )
                % {"link": f"{base}/"},
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=sorted(emails),
            )
    manual = sum(1 for n in notices if n.method == RecipientNotice.Method.MANUAL)
    _event(
        request,
        SubjectRequestEvent.Kind.RECIPIENTS_NOTIFIED,
        actor.user,
        _("%(n)d ontvanger(s) geïnformeerd, waarvan %(m)d handmatig te informeren.")
        % {"n": len(notices), "m": manual},
    )
    return notices


@transaction.atomic
def lift_restriction(actor: Any, request: Any, *, reason: str) -> Any:
    """Ends an AVG art. 18 restriction; the requester is told before it is lifted (art. 18(3))."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from passend.bsn_guard import ensure_no_bsn
    from passend.privacy.models import SubjectRequestEvent

    request = _locked(request)
    _require_handler(actor, request)
    active = list(request.restrictions.filter(lifted_at__isnull=True))
    if not active:
        raise ValidationError({"reason": _("Er is geen actieve beperking bij dit verzoek.")})
    if len(reason.strip()) < 10:
        raise ValidationError(
            {"reason": _("Geef de reden; de verzoeker wordt vooraf ingelicht (AVG art. 18 lid 3).")}
        )
    ensure_no_bsn({"reason": reason})
    now = timezone.now()
    for restriction in active:
        restriction.lifted_at = now
        restriction.lift_reason = reason.strip()[:300]
        restriction.save(update_fields=["lifted_at", "lift_reason"])
    _event(request, SubjectRequestEvent.Kind.RESTRICTION_LIFTED, actor.user, reason.strip())
    _event(
        request,
        SubjectRequestEvent.Kind.NOTICE,
        actor.user,
        _("De beperking van de verwerking (verzoek %(ref)s) wordt opgeheven. De reden: %(reason)s")
        % {"ref": request.reference, "reason": reason.strip()},
    )
    _log_request(actor.context, "lift_restriction", request)
    return request


@transaction.atomic
def register_disclosure(
    context: AccessContext,
    *,
    pupil_id: int | None,
    recipient: str,
    description: str,
    legal_ground: str,
    data_categories: Iterable[str] = (),
    recipient_organisation_id: int | None = None,
    obj: Any = None,
    activity: str = "case_management",
    subject: str = "",
) -> Any:
    """PRV-05: records that data about a pupil went outside the case's authorised circle.

    Called by every place that shares data that way (letters to outside recipients, reports
    to DUO/leerplicht, compelling-interest sharing, exports). ``context`` says who disclosed it
    (user, organisation); ``obj`` is what was disclosed (its type and id are kept, not its
    content). ``subject`` overrides the log pseudonym for anonymous cases. Also writes an
    access-log entry (action ``disclose``).
    """
    from passend.bsn_guard import ensure_no_bsn
    from passend.privacy.models import Disclosure

    ensure_no_bsn({"recipient": str(recipient), "description": str(description)})
    pseudonym = subject or (pupil_subject(pupil_id) if pupil_id is not None else "")
    categories = sorted(set(data_categories))
    disclosure = Disclosure.objects.create(
        pupil_id=pupil_id,
        subject_pseudonym=pseudonym,
        recipient=_one_line(str(recipient), 200) or "?",
        recipient_organisation_id=recipient_organisation_id,
        data_categories=categories,
        description=_one_line(str(description), 300),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        legal_ground=_one_line(str(legal_ground), 300),
        disclosed_at=timezone.now(),
        disclosed_by=context.user,
        disclosing_organisation_id=context.organisation_id,
    )
    record_access(
        context,
        action="disclose",
        activity=activity,
        subject_pseudonym=pseudonym,
        obj=disclosure,
        data_categories=categories,
        legal_ground=str(legal_ground),
        reason=f"to={_one_line(str(recipient), 120)}",
    )
    return disclosure


def may_make_bundle(membership: Any, user: Any, request: Any) -> bool:
    """Only the FG of the organisation or the handler the request is assigned to compiles the
    pupil's complete file (need to know, ORG-04); other handler roles take in and route."""
    if membership is None or membership.organisation_id != request.organisation_id:
        return False
    return membership.role == "privacy_officer" or request.assigned_to_id == user.pk


@transaction.atomic
def record_bundle(actor: Any, request: Any, *, fmt: str) -> None:
    """Generating an access bundle is itself a processing of all the pupil's data: it is
    refused before the identity is verified (PRV-02), logged, and noted on the request."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext as _

    from passend.privacy.categories import ALL_CATEGORIES
    from passend.privacy.models import RequestKind, SubjectRequestEvent

    if not may_make_bundle(actor.membership, actor.user, request):
        raise PermissionDenied(
            _(
                "Het inzageoverzicht maakt de FG of de behandelaar aan wie het verzoek is "
                "toegewezen (PRV-02, ORG-04)."
            )
        )
    if request.kind != RequestKind.ACCESS:
        raise PermissionDenied(_("Een inzageoverzicht hoort bij een verzoek om inzage."))
    if request.identity_verified_on is None:
        raise ValidationError(
            _("Stel eerst de identiteit van de verzoeker vast (PRV-02); pas dan volgt inzage.")
        )
    _event(request, SubjectRequestEvent.Kind.BUNDLE, actor.user, fmt.upper())
    _log_request(
        actor.context,
        "subject_access_bundle",
        request,
        data_categories=sorted(ALL_CATEGORIES),
        reason=f"format={fmt}",
    )
