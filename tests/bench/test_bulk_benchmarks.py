"""The bulk benchmarks of the retention sweep and the TLV decision letter stay working (issue 10).

Each runs once on tiny data, untimed: the figures of ``make bench`` come from PostgreSQL at
moderate or full size (docs/performance.md).
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any

import pytest
from bench.results import Metric

from bench import bulk, retention_sweep, tlv_letter
from passend.privacy.selectors import verify_chain
from passend.retention.models import DeletionRecord, PurgeRun

pytestmark = pytest.mark.django_db


def test_retention_sweep_benchmark_purges_every_generated_case(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """PRV-06 at bench scale: 20 expired cases with documents, participants, entries and terms
    are deleted completely, each with its own deletion record, files removed after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        timings = retention_sweep.run(20)
    assert timings["cases"] == 20 and timings["files"] == 20
    assert timings["rows"] > 20 * 5  # participants, phase changes, consents, entries, terms
    assert retention_sweep.blobs_left() == 0
    assert DeletionRecord.objects.count() == 20
    assert PurgeRun.objects.get().cases_deleted == 20
    # Batches, not cases: one batch of 20 costs about what one batch of a few does.
    assert timings["queries"] < 150
    assert list(verify_chain()) == []
    assert "extrapolated linearly to 10,000" in retention_sweep.describe(timings)


def test_tlv_letter_benchmark_renders_a_decision_letter() -> None:
    timings = tlv_letter.run(1)
    assert timings["median_s"] > 0 and timings["bytes"] > 1_000


def test_bulk_metrics_report_both_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """``bench.bulk.metrics`` turns the subprocess figures into the two metrics, saying when
    the retention figure is extrapolated."""
    figures = {
        "retention_sweep_10k_s": 55.0,
        "retention_sweep_cases": 2000.0,
        "retention_sweep_s": 11.0,
        "tlv_letter_pdf_s": 0.09,
    }

    def fake_run(args: list[str], check: bool) -> subprocess.CompletedProcess[str]:
        Path(args[args.index("--out") + 1]).write_text(json.dumps(figures))
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(bulk.subprocess, "run", fake_run)
    by_name: dict[str, Metric] = {m.name: m for m in bulk.metrics("sqlite://", 10, 2000)}
    sweep = by_name["retention_sweep_10k_s"]
    assert sweep.value == 55.0 and sweep.target == 60.0
    assert "extrapolated linearly from 2,000 cases" in sweep.note
    letter = by_name["tlv_letter_pdf_s"]
    assert isinstance(letter.value, float) and not math.isnan(letter.value)
    assert "median of 5 renders" in letter.note


def test_a_failed_bulk_benchmark_says_so_not_that_a_module_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Session 32: the absence import's benchmark failed on SQLite and the table said "module
    missing" for every bulk figure."""

    def failing_run(args: list[str], check: bool) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 1)

    monkeypatch.setattr(bulk.subprocess, "run", failing_run)
    metrics = bulk.metrics("sqlite://", 10, 2000)
    assert {m.name for m in metrics} >= {"absence_import_lines_per_s", "retention_sweep_10k_s"}
    for metric in metrics:
        assert metric.value == "not measured: benchmark failed", metric
        assert "missing" not in f"{metric.value} {metric.note}"
