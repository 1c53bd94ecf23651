"""Fixtures of the document tests: encrypted blobs go to a temporary MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.screens import World, build_world


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSEND_CLAMD_SOCKET = ""
    return settings.MEDIA_ROOT


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> World:
    return build_world(region, coordinator_a)


def blobs(media_root: Path) -> list[Path]:
    folder = media_root / "documents"
    return sorted(p for p in folder.iterdir()) if folder.exists() else []


def upload_file(data: bytes, name: str = "verslag.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
