"""The access log is hash-chained, append-only and verifiable (DESIGN.md privacy core 2)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.models import GENESIS_HASH, AccessLogEntry
from passend.privacy.services import record_access

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


def test_entries_are_chained_from_genesis() -> None:
    first, second, third = _write(3)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash


def test_verify_passes_on_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    _write(5)
    call_command("verify_access_log")
    assert "5 entries verified" in capsys.readouterr().out


def test_verify_names_first_tampered_entry() -> None:
    entries = _write(5)
    # Tamper as an attacker with raw database access would, bypassing the ORM guard.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE privacy_accesslogentry SET outcome = 'denied' WHERE id = %s", [entries[2].id]
        )
    with pytest.raises(CommandError, match=f"entry {entries[2].id}"):
        call_command("verify_access_log")


def test_verify_detects_deleted_entry() -> None:
    entries = _write(4)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM privacy_accesslogentry WHERE id = %s", [entries[1].id])
    with pytest.raises(CommandError, match=f"entry {entries[2].id}"):
        call_command("verify_access_log")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL")
def test_postgres_refuses_update_and_delete() -> None:
    (entry,) = _write(1)
    for statement in (
        "UPDATE privacy_accesslogentry SET outcome = 'denied' WHERE id = %s",
        "DELETE FROM privacy_accesslogentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.id])


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
