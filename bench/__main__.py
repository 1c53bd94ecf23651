"""`python -m bench` (``make bench``): runs ``main()`` of every benchmark module in this folder.

``bench.pages`` runs first: the region benchmarks of issue 10, which also run the bulk
benchmarks of other modules (``bench.bulk``) and write bench/results/latest.json and
docs/performance.md. Modules it already covers are not run twice. Infrastructure modules
(load driver, server, results, settings) have no ``main()`` and are skipped.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench

FIRST = "pages"
# Run by bench.bulk as part of bench.pages (their figures go into latest.json).
COVERED = {"absence_import", "documents_scan", "retention_sweep", "tlv_letter"}


def run_all() -> int:
    failures = 0
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__))
    ordered = [FIRST] + [n for n in names if n != FIRST and n not in COVERED]
    for name in ordered:
        if name.startswith("_") or name not in names:
            continue
        main = getattr(importlib.import_module(f"bench.{name}"), "main", None)
        if callable(main):
            print(f"== bench.{name}", flush=True)
            failures += 1 if (main([]) if name == FIRST else main()) else 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run_all())
