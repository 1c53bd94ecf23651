"""A throwaway test database for the bulk benchmarks (``test_<name>`` of the configured one).

The process's access-log sealer thread (``privacy.services``) connects to whatever database the
settings name when it wakes. Creating or dropping the database under it made it read a database
that was not migrated yet ("relation privacy_accesslogentry does not exist": the "Sealing the
access log failed" warning of the bench runs in sessions 9 and 10), so both are done while the
thread is held between runs.

On SQLite the database is a file in a temporary directory, as a deployment's is, not Django's
test default (in memory, with a shared cache). In a shared cache a second connection of the
process (the sealer thread's) meets a table lock at once, "database table is locked", instead
of waiting up to the settings' busy timeout: the absence import's benchmark failed on it in its
second import (session 32).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def sqlite_file(connection: Any) -> Iterator[None]:
    """On SQLite: the test database of ``connection`` is a file in a temporary directory while
    inside (removed afterwards, with its write-ahead log). Elsewhere: nothing changes."""
    if connection.vendor != "sqlite":
        yield
        return
    test = connection.settings_dict.setdefault("TEST", {})
    old = test.get("NAME")
    with tempfile.TemporaryDirectory(prefix="passend-bench-") as directory:
        test["NAME"] = str(Path(directory) / "throwaway.sqlite3")
        try:
            yield
        finally:
            test["NAME"] = old


@contextlib.contextmanager
def throwaway_database() -> Iterator[None]:
    """Creates the test database (Django set up), yields, and drops it again."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    from passend.privacy.services import background_sealing_held

    # Already set up when bench.bulk runs several benchmarks in one process.
    with contextlib.suppress(RuntimeError):
        setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    with sqlite_file(connection):
        with background_sealing_held():
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield
        finally:
            with background_sealing_held():
                connection.creation.destroy_test_db(old_name, verbosity=0)
