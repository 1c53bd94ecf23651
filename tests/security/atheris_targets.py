"""Coverage-guided fuzz targets (atheris/libFuzzer) for ``make verify`` (issue 11, check 3).

Run by ``tests/security/test_fuzzing.py::test_atheris_coverage_guided_fuzzing``, one process
per target: ``python tests/security/atheris_targets.py <target> -runs=N -max_total_time=S``.
A target raises only on a real defect: an unexpected exception (a crash), or a BSN-like number
that survives sanitising. The documented refusals (``ValidationError``, ``UploadRefused``,
``Unreadable``) are the expected outcome for hostile input. No database is needed: the
importers' upload step (``prepare``) and line parser, the text extraction and the detector are
pure functions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")

import atheris  # noqa: E402
import django  # noqa: E402

django.setup()

from django.core.exceptions import ValidationError  # noqa: E402

from passend import bsn_guard  # noqa: E402
from passend.attendance import importers as absence  # noqa: E402
from passend.documents import safety, scanning  # noqa: E402
from passend.pupils import importers as pupils  # noqa: E402

# django.setup() imported most of these already, so instrument_imports() would miss them:
# instrument the project's own functions (and the parsers they call) after the fact.
for module in (bsn_guard, absence, pupils, safety, scanning):
    for value in list(vars(module).values()):
        if callable(value) and getattr(value, "__module__", "") == module.__name__:
            if isinstance(value, type):
                for attr in list(vars(value).values()):
                    if inspect.isfunction(attr):
                        atheris.instrument_func(attr)
            elif inspect.isfunction(value):
                atheris.instrument_func(value)


def _text(data: bytes) -> str:
    return atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))


def bsn(data: bytes) -> None:
    text = _text(data)
    for match in bsn_guard.find_bsn_like(text):
        assert 0 <= match.start < match.end <= len(text)
        bsn_guard.confidence(text, match)
    assert not bsn_guard.find_bsn_like(bsn_guard.redact_bsn(text)), "redaction left a BSN"


ABSENCE_SEED = "Stamnummer;Datum;Lesuur;T/m lesuur;Verantwoording;Code;Absentie-ID\n"


def absence_csv(data: bytes) -> None:
    try:
        prepared = absence.prepare(io.BytesIO(ABSENCE_SEED.encode() + data), "magister")
    except ValidationError:
        return
    lines = list(absence.stored_lines(prepared.content))
    header, body = absence.stored_values(lines[0]), lines[1:]
    for line in body:
        # The sanitised copy is what is stored until processing: no BSN in checked columns.
        for name, value in zip(header[2:], absence.stored_values(line)[2:], strict=False):
            if name not in ("record_id", "date", "start_time", "end_time"):
                assert not bsn_guard.find_bsn_like(value), f"a BSN survived in {name}"
    parse = absence.LineParser(
        header,
        prepared.column_labels,
        {"1001": 1},
        school_id=1,
        source="magister",
        counts_lessons=True,
        today=dt.date(2026, 11, 23),
    ).parser()
    for line in body:
        with contextlib.suppress(absence._Rejected):
            parse(line)


PUPIL_SEED = "Leerlingnummer;Roepnaam;Voorvoegsel;Achternaam;Geboortedatum;Geslacht;Groep\n"


def pupil_csv(data: bytes) -> None:
    try:
        pupils.prepare(io.BytesIO(PUPIL_SEED.encode() + data), "parnassys")
    except ValidationError:
        return


def documents(data: bytes) -> None:
    try:
        inspected = safety.inspect_upload(data)
    except safety.UploadRefused:
        return
    try:
        scanning.scan(inspected.kind, data)
    except Exception:
        return  # what is left to find here: hangs (-timeout) and memory blow-ups (-rss_limit_mb)


TARGETS = {"bsn": bsn, "absence_csv": absence_csv, "pupil_csv": pupil_csv, "documents": documents}

if __name__ == "__main__":
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()
