"""Benchmark: check and scan a 50-page text PDF for BSNs (issue 4; target ≤ 1 s).

Runs the same steps as an upload before anything is stored: content sniffing with the PDF
structure checks (``safety.inspect_upload``) and BSN detection on every page
(``scanning.scan``). Run with ``python -m bench.documents_scan [pages]``.
"""

from __future__ import annotations

import os
import sys
import time

TARGET_SECONDS = 1.0
LINES_PER_PAGE = 45


def make_pdf(pages: int) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for number in range(pages):
        page = doc.new_page()
        for line in range(LINES_PER_PAGE):
            text = (
                f"Regel {line}: de leerling werkt goed mee in de klas; afspraak 12-03-2026, "
                f"dossier {100000 + number * 100 + line}."
            )
            if line == 20 and number % 10 == 0:
                text = "Volgens de school is het BSN 1234.56.782 van de leerling bekend."
            page.insert_text((40, 40 + 17 * line), text, fontsize=9)
    return doc.tobytes()


def run(pages: int = 50) -> tuple[float, int]:
    from passend.documents import safety, scanning

    data = make_pdf(pages)
    start = time.perf_counter()
    kind = safety.inspect_upload(data).kind
    findings = scanning.scan(kind, data).findings
    return time.perf_counter() - start, len(findings)


def main(pages: int = 50) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")
    import django

    django.setup()
    elapsed, hits = run(pages)
    verdict = "ok" if elapsed <= TARGET_SECONDS else "TOO SLOW"
    print(
        f"scan of a {pages}-page PDF: {elapsed:.3f} s, {hits} hits (target ≤ {TARGET_SECONDS} s) {verdict}"
    )
    return 0 if elapsed <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
