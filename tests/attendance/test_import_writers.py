"""On PostgreSQL the absence import writes batches on more than one connection at once (issue 10).

Each batch commits on its own, so ``importers.WRITERS`` threads write batches at once, each on
a connection of its own, while the importing thread parses the next: PostgreSQL's work per
batch then runs on both cores (docs/performance.md, session 19). These tests run outside a
test transaction (the writers' connections could not see its rows), with batches of ten
lines, so that a 45-line export is five batches.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from passend.attendance import importers, services
from passend.attendance.models import AbsenceImport, AbsenceRecord, ImportStatus
from passend.privacy.models import AccessLogEntry

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="parallel writers: PostgreSQL only"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HEADER = "Stamnummer;Datum;Lesuur;T/m lesuur;Verantwoording;Code;Absentie-ID"
KEYS = ("1001", "1002", "1003")


def export(lines: int, *, tag: str = "") -> bytes:
    today = timezone.localdate()
    rows = [
        f"{KEYS[n % 3]};{today - dt.timedelta(days=1 + n // 3):%d-%m-%Y};1;1;Ziek;{tag};R{n}"
        for n in range(lines)
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def connections_to_this_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def no_more_connections_than(before: int) -> bool:
    # A closed connection's backend leaves pg_stat_activity a moment after the client is gone.
    deadline = time.monotonic() + 5
    while connections_to_this_database() > before:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Batches of ten lines; records which thread wrote each batch and whether the caller
    was inside a transaction of its own."""
    monkeypatch.setattr(importers, "BATCH_POSTGRES", 10)
    writes: list[tuple[str, bool]] = []
    write = importers._write

    def spy(*args: Any, **kwargs: Any) -> Any:
        writes.append((threading.current_thread().name, connection.in_atomic_block))
        return write(*args, **kwargs)

    monkeypatch.setattr(importers, "_write", spy)
    return writes


def test_batches_are_written_on_connections_of_their_own_and_counted_in_file_order(
    pupils: Any,
    coordinator_actor: Any,
    small_batches: list[tuple[str, bool]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = connections_to_this_database()
    progress: list[int] = []
    save = AbsenceImport.save

    def watch(run: AbsenceImport, *args: Any, **kwargs: Any) -> None:
        if "processed_lines" in (kwargs.get("update_fields") or ()):
            progress.append(run.processed_lines)
        save(run, *args, **kwargs)

    run = services.start_import(
        coordinator_actor, source="magister", file=io.BytesIO(export(45)), enqueue=False
    )
    monkeypatch.setattr(AbsenceImport, "save", watch)
    result = importers.run_import(run.pk)
    assert result is not None and (result.created, result.rejected) == (45, 0)
    # Five batches, each in a transaction of its own on a writer thread; both writers wrote.
    assert len(small_batches) == 5
    assert all(name.startswith("absence-writer-") for name, _ in small_batches)
    assert all(in_transaction for _, in_transaction in small_batches)
    assert len({name for name, _ in small_batches}) == importers.WRITERS
    # The progress bar counts the batches in the order of the file, whichever wrote first.
    assert progress == [10, 20, 30, 40, 45]
    run.refresh_from_db()
    assert (run.status, run.created_count, run.processed_lines) == (ImportStatus.DONE, 45, 45)
    assert AbsenceRecord.objects.count() == 45
    # NEN 7513: one entry per batch, one per pupil, whichever connection wrote it.
    assert (
        AccessLogEntry.objects.filter(object_type="attendance.absenceimport")
        .filter(action="import_write")
        .count()
        == 5
    )
    assert AccessLogEntry.objects.filter(
        action="import_write", object_type="attendance.absencerecord"
    ).count() == len(KEYS)
    # Every writer closed its connection when the import ended.
    assert no_more_connections_than(before)

    # A changed re-import goes the upsert way on the writers as well.
    small_batches.clear()
    again = services.start_import(
        coordinator_actor, source="magister", file=io.BytesIO(export(45, tag="X")), enqueue=False
    )
    result = importers.run_import(again.pk)
    assert result is not None and (result.created, result.updated) == (0, 45)
    assert len(small_batches) == 5
    assert set(AbsenceRecord.objects.values_list("reason_code", flat=True)) == {"X"}
    assert no_more_connections_than(before)


def test_a_failing_batch_fails_the_import_and_stops_the_writers(
    pupils: Any, coordinator_actor: Any, small_batches: list[tuple[str, bool]], monkeypatch: Any
) -> None:
    before = connections_to_this_database()
    write = importers._write  # the spy
    calls = 0
    lock = threading.Lock()

    def third_fails(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        with lock:
            calls += 1
            failing = calls == 3
        if failing:
            raise RuntimeError("the database went away")
        return write(*args, **kwargs)

    monkeypatch.setattr(importers, "_write", third_fails)
    run = services.start_import(
        coordinator_actor, source="magister", file=io.BytesIO(export(45)), enqueue=False
    )
    with pytest.raises(RuntimeError):
        importers.run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and run.content == ""
    # The two batches before the failing one stay (each committed on its own); the failing
    # batch's ten lines are not there; of those after it, only one already being written when
    # it failed can have been (no batch starts after a failure), the last one never.
    assert AbsenceRecord.objects.count() in (20, 30)
    assert no_more_connections_than(before)


def test_inside_a_transaction_of_the_caller_the_batches_stay_on_its_connection(
    pupils: Any, coordinator_actor: Any, small_batches: list[tuple[str, bool]]
) -> None:
    # Other connections could not see the caller's uncommitted rows (its pupils, say).
    from django.db import transaction

    with transaction.atomic():
        run = services.start_import(
            coordinator_actor, source="magister", file=io.BytesIO(export(45)), enqueue=False
        )
        result = importers.run_import(run.pk)
        assert result is not None and result.created == 45
    assert {name for name, _ in small_batches} == {threading.main_thread().name}
