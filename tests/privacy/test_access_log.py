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
    _write(3)  # three commits, each waking the thread
    deadline = time.monotonic() + 15
    # Read only between the thread's runs: the SQLite test database is in memory with a shared
    # cache, where a read beside the thread's write fails at once ("database table is locked")
    # instead of waiting.
    while not _sealed_between_runs() and time.monotonic() < deadline:
        time.sleep(0.05)
    with services._sealer_running:
        assert not unsealed_entries().exists()
        assert list(verify_chain()) == []
        assert services._sealer_thread is not None and services._sealer_thread.is_alive()
        # A run the last commits asked for is withdrawn, so the thread does not touch the
        # database after the test (pytest-django refuses that) or while teardown empties it.
        services._sealer_wakeup.clear()


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
    """Every request writes log entries and every index with them (issue 10, migration
    0006): the log has one index per query that reads it, none twice, and the FG's search by
    employee (PRV-02: newest first, by name) is index-backed instead of scanning the log."""
    table = AccessLogEntry._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = sorted(
        tuple(c["columns"]) for c in constraints.values() if c["index"] or c["primary_key"]
    )
    assert indexed == sorted(
        [
            ("id",),  # primary key: sealing in id order, the newest entries
            ("occurred_at",),  # anomaly reports over a time window
            ("subject_pseudonym",),  # access bundle, FG search per pupil
            ("object_type", "object_id"),  # an object's entries (intake)
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
    """``record_access_many`` writes by COPY on PostgreSQL (issue 10, session 9): the stored
    rows hold exactly what a single INSERT would, whatever the text (COPY's own separators
    and escapes included), in the order given, and they seal and verify."""
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
    # One statement either way, counted like any other: COPY on PostgreSQL, INSERT on SQLite.
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    expected = "COPY" if connection.vendor == "postgresql" else "INSERT"
    assert [s for s in statements if s in ("COPY", "INSERT")] == [expected]
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
