"""Bulk benchmarks of issue 10, collected for latest.json: ``python -m bench.bulk``.

Runs the benchmark scripts of the modules that have one (``bench.documents_scan``,
``bench.absence_import``, ``bench.retention_sweep``, ``bench.tlv_letter``) in a subprocess with
Django set up, and reports the ones whose module or generator part does not exist yet as "not
measured".
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.results import NOT_MEASURED, Metric

ABSENCE_LINES = 1_000_000
RETENTION_CASES = 10_000  # fewer: the figure is extrapolated linearly to 10,000 (and says so)
LETTER_RENDERS = 5


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def measure(
    database_url: str,
    absence_lines: int = ABSENCE_LINES,
    retention_cases: int = RETENTION_CASES,
) -> dict[str, Any]:
    """In a Django process: every bulk figure that can be measured today."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")
    import django

    django.setup()
    figures: dict[str, Any] = {}
    if _available("bench.documents_scan"):
        from bench import documents_scan

        elapsed, _hits = documents_scan.run(50)
        figures["bsn_scan_50p_s"] = elapsed
    if _available("bench.absence_import") and _available("passend.attendance.importers"):
        from bench import absence_import
        from bench.throwaway import throwaway_database

        with throwaway_database():
            timings = absence_import.run(absence_lines, max(1, absence_lines // 50))
        figures["absence_import_lines_per_s"] = timings["lines"] / timings["total_s"]
        figures["absence_import_lines"] = timings["lines"]
    if _available("bench.retention_sweep") and _available("passend.retention.services"):
        from bench import retention_sweep

        sweep = retention_sweep.measure(retention_cases)
        figures["retention_sweep_10k_s"] = sweep["per_10k_s"]
        figures["retention_sweep_cases"] = sweep["cases"]
        figures["retention_sweep_s"] = sweep["seconds"]
    if _available("bench.tlv_letter") and _available("passend.tlv.letters"):
        from bench import tlv_letter

        figures["tlv_letter_pdf_s"] = tlv_letter.measure(LETTER_RENDERS)["median_s"]
    return figures


def metrics(
    database_url: str,
    absence_lines: int = ABSENCE_LINES,
    retention_cases: int = RETENTION_CASES,
) -> list[Metric]:
    """Runs ``measure`` in a subprocess and turns its figures into metrics."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    args = [
        sys.executable,
        "-m",
        "bench.bulk",
        "--database-url",
        database_url,
        "--absence-lines",
        str(absence_lines),
        "--retention-cases",
        str(retention_cases),
        "--out",
        str(out),
    ]
    completed = subprocess.run(args, check=False)  # noqa: S603 - our own module
    figures: dict[str, Any] = json.loads(out.read_text()) if completed.returncode == 0 else {}
    out.unlink(missing_ok=True)
    failed = "" if completed.returncode == 0 else "benchmark failed"

    def value(name: str, missing: str) -> tuple[float | str, str]:
        if name in figures:
            return float(figures[name]), ""
        if failed:  # the modules are there: say what happened, not that one is missing
            return f"not measured: {failed}", ""
        return NOT_MEASURED, missing

    result: list[Metric] = []
    scan, note = value("bsn_scan_50p_s", "documents module")
    result.append(Metric("bsn_scan_50p_s", scan, "s", 1.0, "lower", note))
    rate, note = value("absence_import_lines_per_s", "attendance import")
    if not note and "absence_import_lines" in figures:
        note = f"{int(figures['absence_import_lines']):,} lines"
    result.append(Metric("absence_import_lines_per_s", rate, "lines/s", 100_000.0, "higher", note))
    sweep, note = value("retention_sweep_10k_s", "retention module")
    if not note and "retention_sweep_cases" in figures:
        cases = int(figures["retention_sweep_cases"])
        note = (
            f"{cases:,} cases"
            if cases == 10_000
            else f"extrapolated linearly from {cases:,} cases in "
            f"{float(figures['retention_sweep_s']):.1f} s"
        )
    result.append(Metric("retention_sweep_10k_s", sweep, "s", 60.0, "lower", note))
    letter, note = value("tlv_letter_pdf_s", "TLV letters")
    if not note:
        note = f"median of {LETTER_RENDERS} renders"
    result.append(Metric("tlv_letter_pdf_s", letter, "s", None, "lower", note))
    return [m for m in result if not (isinstance(m.value, float) and math.isnan(m.value))]


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--absence-lines", type=int, default=ABSENCE_LINES)
    parser.add_argument("--retention-cases", type=int, default=RETENTION_CASES)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    figures = measure(args.database_url, args.absence_lines, args.retention_cases)
    args.out.write_text(json.dumps(figures))


if __name__ == "__main__":
    cli()
