"""Moved into ``tests/leak_guard.py`` (one guard for e-mail, logs, tasks and URLs; issue 11).

Kept so that imports of ``tests.mail_guard`` keep working; the plugin itself is registered
in ``tests/conftest.py`` as ``tests.leak_guard``.
"""

from tests.leak_guard import DUTCH_MONTHS, ENGLISH_MONTHS, _date_forms, leaks

__all__ = ["DUTCH_MONTHS", "ENGLISH_MONTHS", "_date_forms", "leaks"]
