"""Benchmark: the retention sweep (PRV-06) of expired cases (issue 10; target 10,000 cases ≤ 60 s).

Builds a throwaway database (``test_<name>`` of the configured one; set ``DATABASE_URL`` for
PostgreSQL) and a temporary MEDIA_ROOT, generates a region with the region generator
(``passend.cases.generator``) of ``cases`` cases with participants, consents, phase changes,
entries and one document (a real encrypted blob) per case, adds a term per case, and then closes
every case long ago. It times ``retention.services.purge_expired`` as the daily task runs it
(batches of ``BATCH_SIZE`` cases, deletion records, access-log entries, blobs removed after each
commit) and counts its queries. Run with ``python -m bench.retention_sweep [cases]``; the
figure for 10,000 cases is measured directly or, for a smaller run, extrapolated linearly (the
purge works batch by batch, so its cost is linear in the number of cases).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_SECONDS = 60.0
TARGET_CASES = 10_000


def build(cases: int) -> dict[str, int]:
    """A region with ``cases`` cases, all closed long ago and with a term each."""
    from django.db import connection, transaction
    from django.utils import timezone

    from passend.cases import generator
    from passend.cases.models import Case, Phase
    from passend.terms.models import Term, TermRule

    scale = generator.Scale(
        "retention",
        swvs=1,
        schools=max(2, cases // 200),
        pupils=max(50, cases * 2),
        cases=cases,
        users=40,
        access_log=1_000,
        documents=cases,
        tlvs=0,
        meetings=0,
        absence_lines=0,
    )
    generator.Generator(scale, seed=10).run()
    closed_at = timezone.make_aware(dt.datetime(2020, 1, 6, 12))
    rule = TermRule.objects.order_by("code").first()
    with transaction.atomic():
        Case.objects.update(phase=Phase.CLOSED, closed_at=closed_at)
        if rule is not None:
            Term.objects.bulk_create(
                [
                    Term(
                        rule=rule,
                        object_type="cases.case",
                        object_id=str(pk),
                        start_date=dt.date(2019, 9, 2),
                        due_date=dt.date(2019, 10, 14),
                        completed_on=dt.date(2019, 10, 1),
                    )
                    for pk in Case.objects.values_list("pk", flat=True)
                ],
                batch_size=2_000,
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"cases": Case.objects.count()}


def run(cases: int = 2_000) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from passend.cases.models import Case
    from passend.documents.models import Document
    from passend.retention import services

    built = build(cases)
    documents = Document.objects.count()
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        report = services.purge_expired(trigger="bench")
    elapsed = time.perf_counter() - start
    run_ = report.run
    assert run_.cases_deleted == built["cases"], (run_.cases_deleted, run_.failures)
    assert not Case.objects.exists() and not Document.objects.exists()
    return {
        "cases": float(run_.cases_deleted),
        "documents": float(documents),
        "files": float(run_.files_deleted),
        "rows": float(run_.rows_deleted),
        "seconds": elapsed,
        "queries": float(len(queries)),
        "per_10k_s": elapsed * TARGET_CASES / max(1, run_.cases_deleted),
        "vendor_postgresql": 1.0 if connection.vendor == "postgresql" else 0.0,
    }


def blobs_left() -> int:
    """Encrypted files still in MEDIA_ROOT (0 once the purge's transactions committed)."""
    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "documents"
    return sum(1 for _ in folder.iterdir()) if folder.exists() else 0


def measure(cases: int) -> dict[str, float]:
    """``run`` in a throwaway test database with a temporary MEDIA_ROOT (Django set up)."""
    from django.conf import settings

    from bench.throwaway import throwaway_database

    media = tempfile.mkdtemp(prefix="bench-retention-")
    old_media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = media
    try:
        with throwaway_database():
            timings = run(cases)
            assert blobs_left() == 0, "encrypted files left after the commits"
            return timings
    finally:
        settings.MEDIA_ROOT = old_media
        shutil.rmtree(media, ignore_errors=True)


def describe(timings: dict[str, Any]) -> str:
    cases = int(timings["cases"])
    line = (
        f"retention sweep of {cases:,} expired cases ({int(timings['files']):,} encrypted files, "
        f"{int(timings['rows']):,} rows): {timings['seconds']:.1f} s, "
        f"{int(timings['queries']):,} queries ({timings['queries'] / max(1, cases):.1f} per case)"
    )
    if cases != TARGET_CASES:
        line += f"; extrapolated linearly to {TARGET_CASES:,} cases: {timings['per_10k_s']:.0f} s"
    return line


def main(cases: int = 2_000) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")
    import django

    django.setup()
    timings = measure(cases)
    print(describe(timings))
    if not timings["vendor_postgresql"]:
        print("target applies to PostgreSQL (set DATABASE_URL); not judged here")
        return 0
    ok = timings["per_10k_s"] <= TARGET_SECONDS
    print(f"target {TARGET_CASES:,} cases ≤ {TARGET_SECONDS:.0f} s: {'ok' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000))
