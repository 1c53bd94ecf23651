"""The bulk benchmarks' throwaway database (``bench/throwaway.py``, issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.throwaway import sqlite_file
from django.db import connection


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's test database")
def test_on_sqlite_the_throwaway_database_is_a_file_removed_afterwards() -> None:
    """Django's SQLite test database is in memory with a shared cache, where the sealer
    thread's connection met a table lock at once ("database table is locked") and the absence
    import's benchmark failed in its second import (session 32). The throwaway one is a file in
    a directory of its own, which goes with its write-ahead log afterwards."""
    before = connection.settings_dict["TEST"].get("NAME")
    with sqlite_file(connection):
        name = connection.creation._get_test_db_name()
        assert not connection.creation.is_in_memory_db(name)
        directory = Path(name).parent
        assert directory.is_dir()
        Path(name).write_bytes(b"")
        Path(f"{name}-wal").write_bytes(b"")
    assert not directory.exists()
    assert connection.settings_dict["TEST"].get("NAME") == before


@pytest.mark.skipif(connection.vendor == "sqlite", reason="other databases than SQLite")
def test_elsewhere_the_throwaway_database_is_named_as_before() -> None:
    name = connection.creation._get_test_db_name()
    with sqlite_file(connection):
        assert connection.creation._get_test_db_name() == name
