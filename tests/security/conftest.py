"""The long checks of issue 11 (marker ``verify``) run only in ``make verify`` (PASSEND_VERIFY=1)."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PASSEND_VERIFY") == "1":
        return
    skip = pytest.mark.skip(reason="long check: runs in `make verify` (PASSEND_VERIFY=1)")
    for item in items:
        if item.get_closest_marker("verify") is not None:
            item.add_marker(skip)
