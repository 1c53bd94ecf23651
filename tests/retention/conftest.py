"""Encrypted blobs of the retention tests go to a temporary MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSEND_CLAMD_SOCKET = ""
    return settings.MEDIA_ROOT
