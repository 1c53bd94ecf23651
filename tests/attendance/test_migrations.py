"""attendance 0005 (issue 10): records stored before the single ``record_key`` get the key the
importer computes, so a school's next import of the same export finds them again instead of
adding every line a second time."""

from __future__ import annotations

import importlib
import uuid

import pytest
from django.db import connection

from passend.attendance import importers

pytestmark = pytest.mark.django_db

migration = importlib.import_module("passend.attendance.migrations.0005_absence_record_key")

STORED = [
    (7, "magister", importers.hash_ref("R1")),
    (7, "somtoday", importers.hash_ref("R1")),
    (1234567, "parnassys", importers.hash_ref("Absentie 2026/1")),
    (3, "manual", "ghijklmnopghijklmnopghijklmnopgh"),  # a key typed by hand before 0005
]


@pytest.mark.parametrize(("school_id", "source", "source_ref"), STORED)
def test_the_migrations_key_is_the_importers_key(
    school_id: int, source: str, source_ref: str
) -> None:
    expected = uuid.UUID(importers.record_key(school_id, source, source_ref))
    assert migration.key_of(school_id, source, source_ref) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL fill: PostgreSQL")
def test_the_migrations_sql_gives_the_importers_key() -> None:
    rows = ", ".join(["(%s::bigint, %s::varchar, %s::varchar)"] * len(STORED))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {migration.KEY_SQL} FROM (VALUES {rows}) AS v(school_id, source, source_ref)",  # noqa: S608
            [value for row in STORED for value in row],
        )
        keys = [key for (key,) in cursor.fetchall()]
    assert keys == [uuid.UUID(importers.record_key(*row)) for row in STORED]
