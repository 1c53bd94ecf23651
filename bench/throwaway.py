"""A throwaway test database for the bulk benchmarks (``test_<name>`` of the configured one).

The process's access-log sealer thread (``privacy.services``) connects to whatever database the
settings name when it wakes. Creating or dropping the database under it made it read a database
that was not migrated yet ("relation privacy_accesslogentry does not exist": the "Sealing the
access log failed" warning of the bench runs in sessions 9 and 10), so both are done while the
thread is held between runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


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
    with background_sealing_held():
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        with background_sealing_held():
            connection.creation.destroy_test_db(old_name, verbosity=0)
