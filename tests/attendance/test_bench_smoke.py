"""Smoke test of bench/absence_import.py on tiny data: the benchmark runs and stays correct."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_absence_import_benchmark_runs_on_tiny_data() -> None:
    from bench.absence_import import run

    timings = run(lines=600, pupils=30)
    assert timings["created"] == 600
    assert timings["signals"] >= 1  # the heavy absentees become meldplichtig (ABS-01)
