"""The access log is append-only, sealed into a hash chain and verifiable (DESIGN.md privacy
core 2; sealed in blocks after commit since issue 10)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from passend.privacy import chain, services
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.models import GENESIS_HASH, AccessLogEntry, AccessLogSeal
from passend.privacy.selectors import unsealed_entries, verify_chain
from passend.privacy.services import record_access, seal_access_log

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AccessLogEntry]:
    return [
        record_access(
            AccessContext(trace_id=f"trace{i:04d}"),
            action="view",
            activity="authentication",
            subject_pseudonym=subject_pseudonym("pupil", i),
            object_type="test.object",
            object_id=str(i),
        )
        for i in range(n)
    ]


def test_entries_are_sealed_in_blocks_chained_from_genesis() -> None:
    entries = _write(5)
    assert seal_access_log(block_size=2) == 5
    seals = list(AccessLogSeal.objects.order_by("last_entry_id"))
    assert [(s.after_entry_id, s.last_entry_id, s.entry_count) for s in seals] == [
        (0, entries[1].id, 2),
        (entries[1].id, entries[3].id, 2),
        (entries[3].id, entries[4].id, 1),
    ]
    assert seals[0].previous_hash == GENESIS_HASH
    assert seals[1].previous_hash == seals[0].block_hash
    assert seals[2].previous_hash == seals[1].block_hash
    assert seals[1].block_hash == chain.block_hash(
        seals[0].block_hash, entries[1].id, entries[3].id, [e.digest() for e in entries[2:4]]
    )
    # Nothing new: a second run seals nothing and makes no block.
    assert seal_access_log() == 0
    assert AccessLogSeal.objects.count() == 3


def test_a_rolled_back_entry_leaves_a_gap_that_seals() -> None:
    _write(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _write(1)
        raise RuntimeError("the write this entry recorded failed")
    _write(1)
    assert seal_access_log() == 2
    assert list(verify_chain()) == []


def test_verify_passes_on_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    _write(5)
    seal_access_log(block_size=2)
    _write(2)  # written just now, not sealed yet: waiting, not a failure
    call_command("verify_access_log")
    assert "5 entries verified, 2 waiting to be sealed" in capsys.readouterr().out


def test_verify_fails_on_entries_left_unsealed_too_long() -> None:
    (entry,) = _write(1)
    _tamper(
        "UPDATE privacy_accesslogentry SET occurred_at = %s WHERE id = %s",
        [timezone.now() - timedelta(hours=1), entry.id],
    )
    with pytest.raises(CommandError, match=f"entry {entry.id} and later are not sealed"):
        call_command("verify_access_log")
    call_command("verify_access_log", max_unsealed_minutes=120)


def _tamper(statement: str, params: list[object]) -> None:
    # As an attacker with raw database access would, bypassing the ORM and the trigger.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE privacy_accesslogseal DISABLE TRIGGER USER")
        cursor.execute(statement, params)


def test_verify_names_the_block_of_a_tampered_entry() -> None:
    entries = _write(6)
    seal_access_log(block_size=3)
    _tamper("UPDATE privacy_accesslogentry SET outcome = 'denied' WHERE id = %s", [entries[4].id])
    with pytest.raises(CommandError, match=f"entry {entries[3].id}.*changed, or an entry"):
        call_command("verify_access_log")


def test_verify_detects_deleted_entry() -> None:
    entries = _write(4)
    seal_access_log()
    _tamper("DELETE FROM privacy_accesslogentry WHERE id = %s", [entries[1].id])
    with pytest.raises(CommandError, match=f"entry {entries[0].id}"):
        call_command("verify_access_log")


def test_verify_detects_a_removed_block() -> None:
    entries = _write(6)
    seal_access_log(block_size=2)
    _tamper("DELETE FROM privacy_accesslogseal WHERE last_entry_id = %s", [entries[3].id])
    with pytest.raises(CommandError, match="does not follow the block before it"):
        call_command("verify_access_log")


def test_verify_detects_removal_of_the_last_block() -> None:
    """Truncation: the entries of a removed last block are unsealed, and old."""
    entries = _write(2)
    seal_access_log()
    _tamper("DELETE FROM privacy_accesslogseal", [])
    _tamper(
        "UPDATE privacy_accesslogentry SET occurred_at = %s WHERE id >= %s",
        [timezone.now() - timedelta(hours=1), entries[0].id],
    )
    with pytest.raises(CommandError, match="not sealed"):
        call_command("verify_access_log")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_writing_process_seals_its_entries_in_the_background(settings: Any) -> None:
    """After a commit that wrote entries the process's sealer thread seals them; no request
    waits for it (issue 10)."""
    settings.PASSEND_ACCESS_LOG_SEAL_SECONDS = 0.05
    # Write and read only between the thread's runs: the SQLite test database is in memory
    # with a shared cache, where a statement beside the thread's write fails at once ("database
    # table is locked") instead of waiting; the second of these commits met the run the first
    # one woke (session 22's make test).
    with services._sealer_running:
        _write(3)  # three commits, each waking the thread, which runs after the last
    deadline = time.monotonic() + 15
    while not _sealed_between_runs() and time.monotonic() < deadline:
        time.sleep(0.05)
    with services._sealer_running:
        assert not unsealed_entries().exists()
        assert list(verify_chain()) == []
        assert services._sealer_thread is not None and services._sealer_thread.is_alive()
        kept = services._sealer_connection.connection
        assert kept is not None  # kept between runs (session 15)
        _write(2)
    deadline = time.monotonic() + 15
    while not _sealed_between_runs() and time.monotonic() < deadline:
        time.sleep(0.05)
    # A run the last commits asked for is withdrawn, so the thread does not touch the database
    # after the test (pytest-django refuses that) or while teardown empties it; on PostgreSQL
    # its connection is closed, so the test database can be dropped (SQLite's in-memory test
    # database ignores a close).
    with services.background_sealing_held():
        assert not unsealed_entries().exists()
        if connection.vendor == "postgresql":
            assert services._sealer_connection.connection is None
        else:
            assert services._sealer_connection.connection is kept


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's test database stays open")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sealer_keeps_its_connection_between_runs_and_closes_it_when_quiet(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One connection for back-to-back runs (each run opening its own cost four times the
    run's CPU, session 14), none after a quiet spell."""
    settings.PASSEND_ACCESS_LOG_SEAL_SECONDS = 0.05
    monkeypatch.setattr(services, "_SEALER_IDLE_SECONDS", 3.0)  # well above a run's gap under load
    backends = set()
    for _ in range(3):
        _write(1)
        deadline = time.monotonic() + 15
        while not _sealed_between_runs() and time.monotonic() < deadline:
            time.sleep(0.02)
        with services._sealer_running:
            backends.add(services._sealer_connection.connection.info.backend_pid)
    assert len(backends) == 1
    deadline = time.monotonic() + 15
    while services._sealer_connection.connection is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert services._sealer_connection.connection is None


def _sealed_between_runs() -> bool:
    with services._sealer_running:
        return not unsealed_entries().exists()


def _counted_sealer_runs(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The sealer thread's runs, recorded instead of sealing (each run's ``wait``), after a
    first commit woke it."""
    runs: list[float] = []
    monkeypatch.setattr(services, "seal_access_log", lambda *, wait: runs.append(wait))
    settings.PASSEND_ACCESS_LOG_SEAL_SECONDS = 0.01
    services._seal_soon()
    return runs


def _wait_for_runs(runs: list[float], count: int) -> None:
    deadline = time.monotonic() + 5
    while len(runs) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_withdrawn_wake_up_starts_no_sealer_run(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wake-up cleared under the thread's lock starts no run, even when the thread had already
    seen it and was waiting for the lock (the background-sealing test relies on it)."""
    runs = _counted_sealer_runs(settings, monkeypatch)
    _wait_for_runs(runs, 1)
    assert runs == [0.01]
    with services._sealer_running:
        services._sealer_wakeup.set()  # asked for ...
        time.sleep(0.2)  # ... seen by the thread, which now waits for the lock ...
        services._sealer_wakeup.clear()  # ... and withdrawn
    time.sleep(0.2)
    with services._sealer_running:
        assert runs == [0.01]


def test_background_sealing_held_withdraws_a_pending_run_and_lets_later_ones_start(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The benchmarks create and drop their throwaway databases inside
    ``background_sealing_held``: a run asked for before must not start there (it read a database
    not yet migrated: 'relation privacy_accesslogentry does not exist'), and a commit inside
    (the migrations' own entries) is sealed after it."""
    runs = _counted_sealer_runs(settings, monkeypatch)
    _wait_for_runs(runs, 1)
    assert runs == [0.01]
    services._sealer_wakeup.set()  # asked for before ...
    with services.background_sealing_held():
        time.sleep(0.2)
        assert runs == [0.01]  # ... withdrawn
        services._seal_soon()  # a commit inside ...
        time.sleep(0.2)
        assert runs == [0.01]  # ... waits until the hold ends
    _wait_for_runs(runs, 2)
    with services.background_sealing_held():
        assert runs == [0.01, 0.01]


def test_no_background_sealing_when_switched_off() -> None:
    """The tests' default (conftest): entries stay unsealed until sealed explicitly."""
    _write(2)
    assert unsealed_entries().count() == 2


def test_seal_command(capsys: pytest.CaptureFixture[str]) -> None:
    _write(3)
    call_command("seal_access_log")
    assert "Sealed 3 access-log entries." in capsys.readouterr().out
    assert list(verify_chain()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL")
def test_postgres_refuses_update_and_delete() -> None:
    (entry,) = _write(1)
    seal_access_log()
    seal = AccessLogSeal.objects.get()
    for statement, pk in (
        ("UPDATE privacy_accesslogentry SET outcome = 'denied' WHERE id = %s", entry.id),
        ("DELETE FROM privacy_accesslogentry WHERE id = %s", entry.id),
        ("UPDATE privacy_accesslogseal SET block_hash = 'x' WHERE id = %s", seal.id),
        ("DELETE FROM privacy_accesslogseal WHERE id = %s", seal.id),
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [pk])


def test_undeclared_activity_is_refused() -> None:
    with pytest.raises(LookupError):
        record_access(AccessContext(), action="view", activity="not-declared")


def test_control_characters_never_split_a_log_value() -> None:
    entry = record_access(
        AccessContext(trace_id="abc\r\ndef"),
        action="view\nforged",
        activity="authentication",
        reason="line1\r\nline2",
    )
    entry.refresh_from_db()
    for value in (entry.action, entry.reason, entry.trace_id):
        assert "\n" not in value and "\r" not in value


def test_pseudonym_is_stable_and_holds_no_identifier() -> None:
    assert subject_pseudonym("pupil", 42) == subject_pseudonym("pupil", 42)
    assert subject_pseudonym("pupil", 42) != subject_pseudonym("pupil", 43)


def test_access_log_keeps_only_the_indexes_its_queries_use() -> None:
    """Every request writes log entries and every index with them (issue 10, migrations
    0006 to 0008): the log has one index per query that reads it, none twice, and the FG's
    search by employee (PRV-02: newest first, by name) is index-backed instead of scanning
    the log."""
    table = AccessLogEntry._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = sorted(
        tuple(c["columns"]) for c in constraints.values() if c["index"] or c["primary_key"]
    )
    assert indexed == sorted(
        [
            ("id",),  # primary key: sealing in id order, the newest entries
            ("occurred_at",),  # anomaly report: failed logins in a time window (partial, 0008)
            ("occurred_at",),  # anomaly report: reads of files in a time window (partial, 0008)
            ("subject_pseudonym",),  # access bundle, FG search per pupil
            ("object_id",),  # an intake form's refused submissions (partial, 0007)
            ("actor_username", "id"),  # FG search per employee, newest first
        ]
    )
    if connection.vendor == "postgresql":  # no varchar_pattern_ops twin: nothing uses LIKE
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
            assert not [d for (d,) in cursor.fetchall() if "pattern_ops" in d]


@pytest.mark.parametrize(
    "text",
    ["", "plain", 'quote " and \\ backslash', "één café — “curly” ✓ 🧒", "tab\tnew\nline\x00"],
)
@pytest.mark.parametrize("missing", [False, True])
def test_row_digest_is_the_canonical_digest_for_any_value(text: str, missing: bool) -> None:
    """The sealer and the verifier use the fast ``row_digest``; an entry's digest is defined by
    ``canonical`` (the JSON of its fields). They must agree on every value a column can hold,
    or a chain sealed one way would not verify the other (issue 10)."""
    from datetime import UTC, datetime

    values: dict[str, Any] = {
        "occurred_at": datetime(2026, 12, 4, 8, 1, 2, 30, tzinfo=UTC),
        "actor_id": None if missing else 7,
        "actor_username": text,
        "organisation_id": None if missing else 3,
        "role": "support_coordinator",
        "action": text,
        "subject_pseudonym": text,
        "object_type": "cases.case",
        "object_id": text,
        "data_categories": "family,ordinary",
        "activity": "case_management",
        "legal_ground": text,
        "trace_id": "ab" * 16,
        "outcome": "allowed",
        "reason": text,
        "ip_address": None if missing else "2001:db8::1",
    }
    row = [41, *(values[name] for name in chain.HASHED_FIELDS)]
    assert chain.row_digest(row) == chain.entry_digest(41, values)


def test_sealed_entries_with_any_text_verify() -> None:
    """Stored and read back (values_list), entries with non-ASCII text, quotes and an empty
    actor seal and verify, and their block hash is the one of their model digests."""
    entries = [
        record_access(
            AccessContext(trace_id="t1", actor_label="Leerplicht “Noord” \\ één"),
            action="view",
            activity="authentication",
            subject_pseudonym=subject_pseudonym("pupil", 1),
            object_type="test.object",
            object_id='id "1" ✓',
            reason="café",
        )
    ]
    assert seal_access_log() == 1
    seal = AccessLogSeal.objects.get()
    stored = AccessLogEntry.objects.get(pk=entries[0].pk)
    assert seal.block_hash == chain.block_hash(GENESIS_HASH, 0, stored.id, [stored.digest()])
    assert list(verify_chain()) == []


def test_a_bulk_append_stores_every_value_as_given_and_seals() -> None:
    """``record_access_many`` writes a list page's entries in one statement, the values that
    differ between them as JSON (issue 10, session 15): the stored rows hold exactly what a
    single INSERT would, whatever the text, in the order given, and they seal and verify."""
    from passend.privacy.services import LogItem, record_access_many

    texts = ["plain", "tab\there", "back\\slash \\N", "één café “curly” 🧒", "", "a,b;c|d"]
    context = AccessContext(
        trace_id="t\t2", actor_label="Leerplicht \\ “Noord”", role="x", ip_address="10.0.0.7"
    )
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        record_access_many(
            context,
            [
                LogItem(
                    subject_pseudonym=subject_pseudonym("pupil", i),
                    object_type="test.object",
                    object_id=text,
                    data_categories=("ordinary", "absence", "ordinary"),
                    legal_ground=text,
                )
                for i, text in enumerate(texts)
            ],
            action="list",
            activity="authentication",
        )
    # One statement, counted like any other; on PostgreSQL not even a savepoint around it.
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s in ("COPY", "INSERT")] == ["INSERT"]
    if connection.vendor == "postgresql":
        assert statements == ["INSERT"]
    single = record_access(
        context,
        action="list",
        activity="authentication",
        subject_pseudonym=subject_pseudonym("pupil", 0),
        object_type="test.object",
        object_id=texts[0],
        data_categories=("ordinary", "absence", "ordinary"),
        legal_ground=texts[0],
    )
    stored = list(AccessLogEntry.objects.order_by("id"))
    one_line = [text.replace("\t", " ") for text in texts]  # no control characters, ever
    assert [e.object_id for e in stored] == [*one_line, texts[0]]
    assert [e.legal_ground for e in stored[:-1]] == one_line
    assert [e.subject_pseudonym for e in stored[:-1]] == [
        subject_pseudonym("pupil", i) for i in range(len(texts))
    ]
    fields = [f.attname for f in AccessLogEntry._meta.concrete_fields]
    ignored = {"id", "occurred_at", "object_id", "legal_ground", "subject_pseudonym"}
    reference = AccessLogEntry.objects.get(pk=single.pk)
    for entry in stored[:-1]:
        assert entry.occurred_at == stored[0].occurred_at
        for name in fields:
            if name not in ignored:
                assert getattr(entry, name) == getattr(reference, name), name
    assert reference.actor_username == "Leerplicht \\ “Noord”"
    assert reference.trace_id == "t 2" and reference.ip_address == "10.0.0.7"
    assert reference.data_categories == "absence,ordinary"
    assert seal_access_log() == len(texts) + 1
    assert list(verify_chain()) == []


def _holds_fence_lock() -> bool:
    key = services._FENCE_LOCK_KEY
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 1",
            [key >> 32, key & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the fence lock is PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_entry_outside_a_transaction_is_one_statement_holding_the_fence_lock() -> None:
    """A page that only reads writes its entry as one statement (session 9): the fence lock
    and the id in the same statement, which is its own transaction, so the lock is gone after
    it; inside a transaction the lock is held until that ends, as the sealer's fence needs."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        entry = record_access(AccessContext(trace_id="t"), action="view", activity="authentication")
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert "pg_advisory_xact_lock_shared" in queries.captured_queries[0]["sql"]
    assert not _holds_fence_lock()  # released by the statement's own commit
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert stored.action == "view" and stored.trace_id == "t"
    assert AccessLogEntry.objects.order_by("-id").values_list("id", flat=True)[0] == entry.pk
    with transaction.atomic():
        later = record_access(AccessContext(), action="view", activity="authentication")
        assert _holds_fence_lock()  # until this transaction ends
    assert later.pk > entry.pk and not _holds_fence_lock()
    assert seal_access_log() == 2 and list(verify_chain()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the fence lock is PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_list_pages_entries_outside_a_transaction_are_one_statement_holding_the_fence_lock() -> (
    None
):
    """A list page's entries are one statement too (session 15), its own transaction, which
    takes the fence lock before it draws the first id; inside a transaction the lock is held
    until that ends. Columns that differ between the entries (here also the actor and the IP
    address, which one call never varies) are stored per entry."""
    from django.test.utils import CaptureQueriesContext

    from passend.privacy.services import LogItem, record_access_many

    items = [LogItem(subject_pseudonym(f"pupil-{i}", i), "cases.case", str(i)) for i in range(3)]
    with CaptureQueriesContext(connection) as queries:
        record_access_many(
            AccessContext(trace_id="t"), items, action="list", activity="authentication"
        )
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    sql = queries.captured_queries[0]["sql"]
    assert sql.index("pg_advisory_xact_lock_shared") < sql.index("jsonb_array_elements")
    assert not _holds_fence_lock()
    stored = list(AccessLogEntry.objects.order_by("id"))
    assert [(e.object_id, e.trace_id, e.action) for e in stored] == [
        (str(i), "t", "list") for i in range(3)
    ]
    assert len({e.occurred_at for e in stored}) == 1 and stored[0].occurred_at is not None
    with transaction.atomic():
        later = [
            services._new_entry(
                services._context_fields(
                    AccessContext(trace_id="u", ip_address=address),
                    action="list",
                    activity="authentication",
                    outcome="allowed",
                    reason="",
                ),
                subject_pseudonym="",
                object_type="cases.case",
                object_id="9",
                data_categories=(),
                legal_ground="",
            )
            for address in ("10.0.0.1", "2001:db8::2")
        ]
        later[1].actor_id = 12345  # no such user: the log holds ids without a constraint
        services._append(later)
        assert _holds_fence_lock()
    assert not _holds_fence_lock()
    rows = AccessLogEntry.objects.filter(trace_id="u").order_by("id")
    assert [(e.ip_address, e.actor_id) for e in rows] == [
        ("10.0.0.1", None),
        ("2001:db8::2", 12345),
    ]
    # Nothing differs (the same item twice): still one row per entry, at the time written.
    record_access_many(
        AccessContext(trace_id="v"), items[:1] * 2, action="list", activity="authentication"
    )
    rows = AccessLogEntry.objects.filter(trace_id="v")
    assert len(rows) == 2 and rows[0].occurred_at == rows[1].occurred_at >= stored[0].occurred_at
    assert seal_access_log() == 7 and list(verify_chain()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_many_entries_go_by_copy_with_the_same_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``_COPY_ABOVE`` entries (an import's thousands; here above two) the log is written
    by ``COPY`` after the fence lock, counted as one statement, and holds what the statement
    would, escapes included."""
    from django.test.utils import CaptureQueriesContext

    from passend.privacy.services import LogItem, record_access_many

    texts = ["tab\there", "back\\slash \\N", "één “curly” 🧒"]
    context = AccessContext(trace_id="c", actor_label="Leerplicht \\ Noord", ip_address="10.0.0.7")

    def write(tag: str) -> list[AccessLogEntry]:
        items = [
            LogItem(f"{tag}-{i}", "test.object", text, ("b", "a"), text)
            for i, text in enumerate(texts)
        ]
        record_access_many(context, items, action=tag, activity="authentication")
        return list(AccessLogEntry.objects.filter(action=tag).order_by("id"))

    by_statement = write("statement")
    monkeypatch.setattr(services, "_COPY_ABOVE", 2)
    with CaptureQueriesContext(connection) as queries:
        by_copy = write("copy")
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s in ("COPY", "INSERT")] == ["COPY"]
    compared = [
        n
        for n in services._WRITTEN_NAMES
        if n not in ("occurred_at", "action", "subject_pseudonym")
    ]
    assert [[getattr(e, n) for n in compared] for e in by_copy] == [
        [getattr(e, n) for n in compared] for e in by_statement
    ]
    assert by_copy[0].object_id == "tab here" and by_copy[0].data_categories == "a,b"
    assert seal_access_log() == 6 and list(verify_chain()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_only_intake_forms_entries_are_in_the_object_index() -> None:
    """The intake's rate limit finds a form's refused submissions by index; other objects'
    entries (a list page's 50 cases) are not written to that index (migration 0007)."""

    def plan(object_type: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        return AccessLogEntry.objects.filter(
            object_type=object_type, object_id="1", action="submit_refused"
        ).explain()

    assert "accesslog_intakeform" in plan("intake.intakeform")
    assert "accesslog_intakeform" not in plan("cases.case")


# Values the columns can hold that JSON writes in different ways: plain, quotes and
# backslashes (escaped alike by PostgreSQL's replace() and Python), accents and emoji, control
# characters and DEL (Python escapes these; PostgreSQL's digest leaves them to Python).
_DIGEST_TEXTS = (
    "",
    "plain ~ text {with} [brackets], commas: and 'single quotes'",
    'quote " and \\ backslash \\" both',
    "één café — “curly” ✓ 🧒",
    "tab\tnew\nline",
    "delete\x7f",
)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the digest in SQL is PostgreSQL's")
def test_postgresql_digests_entries_as_row_digest_does() -> None:
    """The sealer takes digests computed by PostgreSQL (``chain.DIGEST_SQL``, issue 10,
    session 44). For every entry they equal ``row_digest``'s, the definition the verifier
    applies; an entry with text the SQL does not write gets none there and Python's instead."""
    from datetime import UTC, datetime

    times = [
        datetime(2026, 12, 7, 10, 0, 0, 0, tzinfo=UTC),  # no microseconds: still six digits
        datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC),
        timezone.now(),
    ]
    addresses = [None, "10.0.0.7", "2001:db8::1", "::ffff:10.0.0.8", "::1"]
    entries = []
    for i, text in enumerate(_DIGEST_TEXTS * 3):
        entries.append(
            AccessLogEntry(
                occurred_at=times[i % len(times)],
                actor_id=None if i % 4 == 0 else 10**12 + i,
                actor_username=text if i % 2 else "ib-0001",
                organisation_id=None if i % 3 == 0 else i,
                role=text[:40],
                action="view",
                subject_pseudonym=subject_pseudonym("pupil", i),
                object_type="cases.case",
                object_id=text[:64],
                data_categories="family,ordinary",
                activity="case_management",
                legal_ground=text,
                trace_id="ab" * 16,
                outcome="allowed",
                reason=text if i % 3 == 1 else "",
                ip_address=addresses[i % len(addresses)],
            )
        )
    AccessLogEntry.objects.bulk_create(entries)
    rows = list(AccessLogEntry.objects.order_by("id").values_list(*chain.ROW_COLUMNS))
    expected = {row[0]: chain.row_digest(row) for row in rows}
    assert services._digests(AccessLogEntry.objects.order_by("id")) == expected
    by_sql = dict(AccessLogEntry.objects.values_list("id", services._sql_digest()))
    left_to_python = {
        row[0]
        for row in rows
        if any(isinstance(v, str) and any(not " " <= ch <= "~" for ch in v) for v in row)
    }
    assert {i for i, digest in by_sql.items() if digest is None} == left_to_python
    assert all(by_sql[i] == expected[i] for i in expected if i not in left_to_python)
    assert 0 < len(left_to_python) < len(rows)
    # The SQL's backslashes mean the same under the old string syntax.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL standard_conforming_strings = off")
        assert dict(AccessLogEntry.objects.values_list("id", services._sql_digest())) == by_sql


def test_the_sealer_digests_in_python_only_what_the_database_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL an entry of printable ASCII is digested by the database, one with an
    accent by Python; elsewhere Python digests every entry. The chain verifies either way."""
    _write(3)
    record_access(
        AccessContext(trace_id="t", actor_label="één"), action="view", activity="authentication"
    )
    digested = []
    row_digest = chain.row_digest

    def counted(row: Any) -> str:
        digested.append(row[0])
        return row_digest(row)

    monkeypatch.setattr(chain, "row_digest", counted)
    assert seal_access_log() == 4
    expected = 1 if connection.vendor == "postgresql" else 4
    assert len(digested) == expected
    monkeypatch.setattr(chain, "row_digest", row_digest)
    assert list(verify_chain()) == []


def test_a_pseudonym_is_the_keyed_hmac_of_the_subject_also_when_the_key_changes(
    settings: Any,
) -> None:
    """Pseudonyms are cached per process (issue 10, session 44); the cache is keyed by the
    pseudonym key, so a pseudonym is always the HMAC under the key in force."""
    import hashlib
    import hmac

    def expected(key: str) -> str:
        digest = hmac.new(key.encode(), b"pupil:12", hashlib.sha256).hexdigest()
        return f"pup-{digest[:24]}"

    first = subject_pseudonym("pupil", 12)
    assert first == expected(settings.PSEUDONYM_KEY) == subject_pseudonym("pupil", "12")
    settings.PSEUDONYM_KEY = "another-key-for-this-test"
    assert subject_pseudonym("pupil", 12) == expected("another-key-for-this-test") != first
