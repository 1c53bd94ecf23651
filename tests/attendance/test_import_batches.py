"""The absence import writes per batch, never per line (issue 10, performance).

A regression to per-line queries would make the 1,000,000-line benchmark
(``bench/absence_import.py``) crawl; these tests catch it on a few dozen lines: the number of
queries of an import does not depend on the number of lines (COPY + one upsert per batch, one
access-log entry per pupil, NEN 7513), on the first import (direct COPY on PostgreSQL), on an
unchanged re-import and on a changed one.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import uuid
from typing import Any

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.attendance import importers, services
from passend.attendance.models import AbsenceImport, AbsenceKind, AbsenceRecord, ImportStatus
from passend.privacy.models import AccessLogEntry

pytestmark = pytest.mark.django_db

HEADER = "Stamnummer;Datum;Lesuur;T/m lesuur;Verantwoording;Code;Absentie-ID"
KEYS = ("1001", "1002", "1003")


def export(lines: int, *, kind: str = "Ziek", tag: str = "") -> bytes:
    """``lines`` sick-leave lines (never meldplichtig, ABS-02) spread over the three pupils."""
    today = timezone.localdate()
    rows = [
        f"{KEYS[n % 3]};{today - dt.timedelta(days=1 + n // 3):%d-%m-%Y};1;1;{kind};{tag};R{n}"
        for n in range(lines)
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def queries_of_import(actor: Any, data: bytes) -> tuple[int, Any]:
    run = services.start_import(actor, source="magister", file=io.BytesIO(data), enqueue=False)
    with CaptureQueriesContext(connection) as captured:
        result = importers.run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and result is not None and result.rejected == 0
    return len(captured.captured_queries), result


def test_import_queries_do_not_grow_with_the_number_of_lines(
    pupils: Any, coordinator_actor: Any, django_db_blocker: Any
) -> None:
    # Each size on a fresh school state: first import, unchanged re-import, changed re-import.
    counts: dict[int, list[int]] = {}
    for lines in (6, 45):
        AbsenceRecord.objects.all().delete()
        AbsenceImport.objects.all().delete()
        first, result = queries_of_import(coordinator_actor, export(lines))
        assert result.created == lines
        again, result = queries_of_import(coordinator_actor, export(lines))
        assert (result.created, result.updated, result.unchanged) == (0, 0, lines)
        changed, result = queries_of_import(coordinator_actor, export(lines, tag="X"))
        assert (result.created, result.updated) == (0, lines)
        counts[lines] = [first, again, changed]
    assert counts[6] == counts[45], counts


def test_one_access_log_entry_per_pupil_however_many_lines(
    pupils: Any, coordinator_actor: Any
) -> None:
    queries_of_import(coordinator_actor, export(45))
    per_pupil = AccessLogEntry.objects.filter(
        action="import_write", object_type="attendance.absencerecord"
    )
    assert per_pupil.count() == len(KEYS)  # NEN 7513: who, which pupil; not per line


@pytest.mark.skipif(connection.vendor != "postgresql", reason="direct COPY is PostgreSQL only")
def test_direct_copy_falls_back_to_the_upsert_when_a_record_exists(
    pupils: Any, coordinator_actor: Any
) -> None:
    school_id = coordinator_actor.membership.organisation_id
    day = timezone.localdate() - dt.timedelta(days=1)
    key = importers.record_key(school_id, "magister", importers.hash_ref("R1"))
    row = importers.Parsed(2, pupils[0].pk, key, day, None, None, 200, AbsenceKind.SICK, "Z")
    before = timezone.now()
    per_pupil, direct = importers._write(
        [row], school_id=school_id, source="magister", import_id=None, direct=True
    )
    assert (per_pupil, direct) == ({pupils[0].pk: (1, 0)}, True)
    # The direct COPY leaves both times to the database's default: the statement's time.
    written = AbsenceRecord.objects.get()
    assert written.created_at == written.updated_at
    assert before <= written.created_at <= timezone.now()
    # The same key again through the direct path: the unique constraint refuses the COPY,
    # the batch is written by the upsert instead (here: one changed record), nothing is lost.
    changed = row._replace(centi_hours=300)
    per_pupil, direct = importers._write(
        [changed], school_id=school_id, source="magister", import_id=None, direct=True
    )
    assert (per_pupil, direct) == ({pupils[0].pk: (0, 1)}, False)
    record = AbsenceRecord.objects.get()
    assert (record.hours, record.kind, record.reason_code) == (3, AbsenceKind.SICK, "Z")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="direct COPY is PostgreSQL only")
def test_whether_to_copy_straight_in_is_asked_of_the_import_runs(
    pupils: Any, coordinator_actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A school's first import of a source is copied straight into the table; a later one is
    upserted. Decided from the school's earlier import runs: the records have no index that
    leads with the school (issue 10), so asking them would read the whole table. Should
    records exist without a run (runs deleted), the direct COPY meets the unique key and falls
    back to the upsert: nothing is written twice."""
    paths: list[tuple[bool, bool]] = []  # (tried straight in, written straight in)
    write = importers._write

    def spy(*args: Any, **kwargs: Any) -> Any:
        result = write(*args, **kwargs)
        paths.append((kwargs["direct"], result[1]))
        return result

    monkeypatch.setattr(importers, "_write", spy)
    with CaptureQueriesContext(connection) as captured:
        _, result = queries_of_import(coordinator_actor, export(45))
    assert (paths, result.created) == ([(True, True)], 45)
    assert not [
        q["sql"]
        for q in captured.captured_queries
        if 'SELECT 1 AS "a" FROM "attendance_absencerecord"' in q["sql"]
    ]
    paths.clear()
    _, result = queries_of_import(coordinator_actor, export(45))
    assert (paths, result.unchanged) == ([(False, False)], 45)
    AbsenceImport.objects.all().delete()  # the runs go, their records stay
    paths.clear()
    _, result = queries_of_import(coordinator_actor, export(45, tag="X"))
    assert (paths, result.created, result.updated) == ([(True, False)], 0, 45)
    assert AbsenceRecord.objects.count() == 45


def stored_line_parser(header: list[str], pupils: dict[str, int]) -> Any:
    """The parser of a VO school's (id 3) Magister upload stored with ``header``."""
    return importers.LineParser(
        header,
        {},
        pupils,
        school_id=3,
        source="magister",
        counts_lessons=True,
        today=dt.date(2026, 11, 23),
    ).parser()


def test_copy_text_of_parsed_lines_equals_that_of_hand_built_rows() -> None:
    parse = stored_line_parser(
        ["line", "bsn", "source_key", "date", "lesson_from", "lesson_to", "kind", "reason_code"],
        {"1001": 7},
    )
    parsed = parse("2\t\t1001\t20-11-2026\t1\t2\tOngeoorloofd\ta\\b c\n")
    assert parsed.copy_tail
    assert importers.copy_text([parsed]) == importers.copy_text([parsed._replace(copy_tail="")])
    assert importers.copy_text([parsed]) == (
        f"7\t{parsed.ref}\t2026-11-20\t\\N\t\\N\t2.00\tunauthorised\ta b c\n"
    )


def test_a_stored_line_is_parsed_with_its_combination_worked_out_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parser splits a stored line up to the record id; the rest of the line is the key of
    the combination, worked out once (issue 10, session 28). Lines sharing it still get their
    own pupil, line number and key; a line without a record id its key from the pupil, date
    and first lesson; a rejected combination is rejected for every line that has it."""
    header = ["line", "bsn", "source_key", "record_id", "date", "lesson_from", "lesson_to"]
    header += ["kind", "reason_code"]
    worked_out: list[list[str]] = []
    tail = importers.LineParser._tail

    def counting(self: importers.LineParser, row: list[str]) -> Any:
        worked_out.append(row)
        return tail(self, row)

    monkeypatch.setattr(importers.LineParser, "_tail", counting)
    parse = stored_line_parser(header, {"1001": 7, "1002": 8})
    first = parse("2\t\t1001\thashA\t20-11-2026\t1\t2\tOngeoorloofd\tS\n")
    second = parse("3\t\t1002\thashB\t20-11-2026\t1\t2\tOngeoorloofd\tS\n")
    third = parse("4\t\t1002\t\t20-11-2026\t1\t2\tOngeoorloofd\tS\n")
    assert len(worked_out) == 1
    assert worked_out[0] == ["2", "", "1001", "hashA", "20-11-2026", "1", "2", "Ongeoorloofd", "S"]
    assert (first.line, first.pupil_id, second.line, second.pupil_id) == (2, 7, 3, 8)
    assert first.ref == importers.record_key(3, "magister", "hashA")
    assert second.ref == importers.record_key(3, "magister", "hashB")
    assert third.ref == importers.record_key(3, "magister", importers.hash_ref("1002|2026-11-20|1"))
    assert (first.date, first.centi_hours, first.kind, first.reason) == (
        dt.date(2026, 11, 20),
        200,
        AbsenceKind.UNAUTHORISED,
        "S",
    )
    for line in (
        "5\t\t1001\thashC\t31-02-2026\t1\t2\tZiek\t\n",
        "6\t\t1002\thashD\t31-02-2026\t1\t2\tZiek\t\n",
    ):
        with pytest.raises(importers._Rejected, match="geen geldige datum"):
            parse(line)
    assert len(worked_out) == 2


def test_each_batch_is_written_in_key_order(pupils: Any, coordinator_actor: Any) -> None:
    # The keys are hashes: written in file order they land on random pages of the unique
    # index; in key order a batch sweeps it once (issue 10).
    queries_of_import(coordinator_actor, export(45))
    # The order rows were written in: the key is the primary key, so not ``order_by("pk")``.
    physical = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT record_key FROM {AbsenceRecord._meta.db_table} ORDER BY {physical}"  # noqa: S608 - constant names
        )
        written = [uuid.UUID(str(key)) for (key,) in cursor.fetchall()]
    assert len(written) == 45
    assert written == sorted(written)


def test_the_upload_is_stored_until_processing_and_then_emptied(
    pupils: Any, coordinator_actor: Any
) -> None:
    run = services.start_import(
        coordinator_actor, source="magister", file=io.BytesIO(export(45)), enqueue=False
    )
    stored = type(run).objects.get(pk=run.pk).content
    assert (
        stored.splitlines()[0]
        == "line\tbsn\tsource_key\trecord_id\tdate\tlesson_from\tlesson_to\tkind\treason_code"
    )
    assert len(stored.splitlines()) == 46 and "R1" not in stored  # hashed record ids only
    importers.run_import(run.pk)
    assert type(run).objects.get(pk=run.pk).content == ""
    assert AbsenceRecord.objects.count() == 45


@pytest.mark.skipif(connection.vendor != "postgresql", reason="column compression: PostgreSQL")
def test_the_stored_upload_is_compressed_with_lz4_where_the_server_has_it(
    pupils: Any, coordinator_actor: Any
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if not cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL server was built without lz4")
    run = services.start_import(
        coordinator_actor, source="magister", file=io.BytesIO(export(600)), enqueue=False
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(content) FROM attendance_absenceimport WHERE id = %s",
            [run.pk],
        )
        assert cursor.fetchone()[0] == "lz4"


def test_the_stored_upload_keeps_every_value_but_its_tabs_and_line_breaks(
    pupils: Any, coordinator_actor: Any
) -> None:
    """The stored upload is tab-separated without quoting (session 25): a value's own tab or
    line break becomes a space, a quote, comma or semicolon stays as it was."""
    today = timezone.localdate()
    day = f"{today - dt.timedelta(days=1):%d-%m-%Y}"
    data = (
        f"{HEADER}\n"
        f'1001;{day};1;1;Ziek;"A\tB\nC";R1\n'
        f'1002;{day};1;1;Ziek;"x,""y"";z";R2\n'
        f'"1003 ";{day};1;1;Ziek;"  Q  ";R3\n'
    ).encode()
    run = services.start_import(
        coordinator_actor, source="magister", file=io.BytesIO(data), enqueue=False
    )
    stored = type(run).objects.get(pk=run.pk).content
    assert len(stored.splitlines()) == 4 and "\r" not in stored
    assert all(line.count("\t") == 8 for line in stored.splitlines())
    result = importers.run_import(run.pk)
    assert result is not None and result.created == 3 and result.rejected == 0
    reasons = dict(AbsenceRecord.objects.values_list("pupil__source_key", "reason_code"))
    assert reasons == {"1001": "A B C", "1002": 'x,"y";z', "1003": "Q"}


def test_an_upload_stored_as_csv_by_the_previous_version_is_still_processed(
    pupils: Any, coordinator_actor: Any
) -> None:
    """An upload stored before the tab format (an import waiting at an upgrade) is read as the
    CSV it is."""
    run = services.start_import(
        coordinator_actor, source="magister", file=io.BytesIO(export(6)), enqueue=False
    )
    rows = [line.split("\t") for line in run.content.splitlines()]
    rows[1][-1] = 'met "aanhalingstekens", en komma'
    as_csv = io.StringIO()
    csv.writer(as_csv, lineterminator="\n").writerows(rows)
    AbsenceImport.objects.filter(pk=run.pk).update(content=as_csv.getvalue())
    result = importers.run_import(run.pk)
    assert result is not None and (result.created, result.rejected) == (6, 0)
    assert AbsenceRecord.objects.filter(reason_code='met "aanhalingstekens", en komma').exists()


def test_the_cycle_collector_pauses_while_the_batches_are_parsed_and_resumes_after(
    pupils: Any, coordinator_actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Millions of small tuples hold no cycles; the collector scanning the live batches again
    and again cost about 15 % of the parse (session 25). It runs again afterwards, also when
    a batch fails."""
    monkeypatch.setattr(importers, "BATCH_POSTGRES", 10)
    monkeypatch.setattr(importers, "BATCH_OTHER", 10)
    seen: list[bool] = []
    write = importers._write

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return write(*args, **kwargs)

    monkeypatch.setattr(importers, "_write", spy)
    queries_of_import(coordinator_actor, export(25))
    assert seen == [False, False, False] and gc.isenabled()

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(importers, "_write", failing)
    run = services.start_import(
        coordinator_actor, source="magister", file=io.BytesIO(export(25, tag="X")), enqueue=False
    )
    with pytest.raises(RuntimeError):
        importers.run_import(run.pk)
    assert gc.isenabled()


def test_the_bulk_table_has_no_foreign_key_constraint_and_django_still_protects_its_typist(
    pupils: Any, coordinator_actor: Any
) -> None:
    """No per-row RI trigger on the table a million-line import loads (issue 10): not even on
    ``entered_by``, which an import leaves empty but whose trigger fired for every row (about
    0.5 s of PostgreSQL's time at the commit of a million rows, session 28). Django still applies ``PROTECT``: the
    person who typed a record in cannot be deleted while it exists."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AbsenceRecord._meta.db_table)
    assert [name for name, c in constraints.items() if c["foreign_key"]] == []
    record = services.record_absence(
        coordinator_actor,
        pupil=pupils[0],
        date=timezone.localdate() - dt.timedelta(days=1),
        kind=AbsenceKind.SICK,
        hours="2",
    )
    assert record.entered_by == coordinator_actor.user
    with pytest.raises(ProtectedError):
        coordinator_actor.user.delete()


def test_new_records_are_stored_as_bulk_create_stores_them_in_one_statement(
    pupils: Any, coordinator_actor: Any
) -> None:
    """The ORM's path (SQLite) writes new records by one ``executemany`` of values its fields
    prepared (session 32: ``bulk_create`` was three quarters of an import's time there). Every
    column as stored, read back raw, equals what ``bulk_create`` stores for the same values:
    times or none, fractional hours, a reason with odd characters, an import run or none."""
    school_id = pupils[0].source_school_id
    run = AbsenceImport.objects.create(
        school_id=school_id, source="magister", requested_by=coordinator_actor.user
    )
    now = timezone.now()
    day = timezone.localdate() - dt.timedelta(days=3)
    variants = [
        (None, None, 100, AbsenceKind.SICK, ""),
        (dt.time(8, 30), dt.time(10, 15, 30), 175, AbsenceKind.UNAUTHORISED, "O'Brien\\1\t"),
        (dt.time(13, 0), None, 5, AbsenceKind.OTHER, "x" * 40),
    ]
    rows = [
        importers.Parsed(n, pupil.pk, uuid.uuid4().hex, day, start, end, centi, kind, reason)
        for n, (pupil, (start, end, centi, kind, reason)) in enumerate(
            (pupil, variant) for pupil in pupils for variant in variants
        )
    ]
    built = [r._replace(ref=uuid.uuid4().hex) for r in rows]
    for import_id in (run.pk, None):
        with CaptureQueriesContext(connection) as captured:
            importers._insert_new(
                rows, school_id=school_id, source="magister", import_id=import_id, now=now
            )
        assert len(captured.captured_queries) == 1
        AbsenceRecord.objects.bulk_create(
            AbsenceRecord(
                school_id=school_id,
                source="magister",
                record_key=uuid.UUID(r.ref),
                import_run_id=import_id,
                created_at=now,
                updated_at=now,
                pupil_id=r.pupil_id,
                date=r.date,
                start_time=r.start,
                end_time=r.end,
                hours=r.hours,
                kind=r.kind,
                reason_code=r.reason,
            )
            for r in built
        )
        written = stored_columns([r.ref for r in rows])
        assert len(written) == len(rows)
        assert written == stored_columns([r.ref for r in built])
        AbsenceRecord.objects.all().delete()


def stored_columns(keys: list[str]) -> list[tuple[Any, ...]]:
    """The records of these keys as the database holds them (every column but the key), read
    without the ORM's conversions."""
    meta = AbsenceRecord._meta
    columns = ", ".join(str(f.column) for f in meta.concrete_fields if not f.primary_key)
    values = [meta.pk.get_db_prep_value(uuid.UUID(key), connection) for key in keys]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {meta.db_table} WHERE record_key IN "  # noqa: S608
            f"({', '.join(['%s'] * len(keys))}) ORDER BY pupil_id, hours",
            values,
        )
        return cursor.fetchall()
