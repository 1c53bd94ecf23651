"""Smoke test of bench/documents_scan.py on tiny data (the real run is `make bench`)."""

from __future__ import annotations

from bench import documents_scan


def test_bench_documents_scan_runs_on_a_small_pdf() -> None:
    elapsed, hits = documents_scan.run(pages=11)
    assert hits == 2  # pages 1 and 11 carry a BSN
    assert elapsed < 5
