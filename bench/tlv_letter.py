"""Benchmark: render one TLV decision letter as PDF (issue 10, TLV-07; WeasyPrint).

Builds a throwaway database (``test_<name>`` of the configured one) with the tiny region of the
region generator (its TLV part issues receipt and decision letters), takes a decision letter of
an application with a TLV (funding amounts in the letter) and renders it ``renders`` times with
``tlv.letters.render_letter_pdf``, exactly as the letter download does. Reports the median (the
first render, which loads fonts, is reported apart). Run with
``python -m bench.tlv_letter [renders]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time


def run(renders: int = 5) -> dict[str, float]:
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its progress log is INFO
    from passend.cases import generator
    from passend.tlv import letters
    from passend.tlv.models import Letter

    generator.Generator(generator.SCALES["tiny"], seed=10).run()
    letter = (
        Letter.objects.filter(kind=Letter.Kind.DECISION, application__decision__tlv__isnull=False)
        .order_by("pk")
        .first()
    ) or Letter.objects.filter(kind=Letter.Kind.DECISION).order_by("pk").first()
    assert letter is not None, "the generator issued no decision letter"
    times: list[float] = []
    size = 0
    for _ in range(renders + 1):
        letter = Letter.objects.get(pk=letter.pk)  # the context is read anew, as per request
        start = time.perf_counter()
        pdf = letters.render_letter_pdf(letter)
        times.append(time.perf_counter() - start)
        size = len(pdf)
    assert pdf.startswith(b"%PDF")
    return {
        "first_s": times[0],
        "median_s": statistics.median(times[1:]),
        "renders": float(renders),
        "bytes": float(size),
    }


def measure(renders: int = 5) -> dict[str, float]:
    """``run`` in a throwaway test database (Django set up)."""
    from bench.throwaway import throwaway_database

    with throwaway_database():
        return run(renders)


def main(renders: int = 5) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")
    import django

    django.setup()
    timings = measure(renders)
    print(
        f"TLV decision letter PDF: median {timings['median_s'] * 1000:.0f} ms over "
        f"{int(timings['renders'])} renders (first render {timings['first_s'] * 1000:.0f} ms, "
        f"{int(timings['bytes']):,} bytes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
