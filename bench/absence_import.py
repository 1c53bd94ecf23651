"""Benchmark: import 1 million absence lines (issue 7; target >= 100,000 lines/s on PostgreSQL).

Builds a throwaway database (``test_<name>`` of the configured one; set ``DATABASE_URL`` for
PostgreSQL), a VO school with 20,000 imported pupils, and a Magister export of 1,000,000
absence lines (50 per pupil over the last 150 days, a few pupils with enough unauthorised
absence to become meldplichtig). Then times the whole import as a school would run it:
``importers.prepare`` (upload: mapping, BSN check, hashing of record ids) and
``importers.run_import`` (parse, COPY + upsert per batch, access log per pupil, detection),
and a second, unchanged import (idempotence). Run with
``python -m bench.absence_import [lines] [pupils]``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import sys
import time
from typing import Any

TARGET_LINES_PER_SECOND = 100_000


def make_csv(keys: list[str], lines: int, today: dt.date, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    days = [
        today - dt.timedelta(days=n)
        for n in range(1, 151)
        if (today - dt.timedelta(days=n)).weekday() < 5
    ]
    texts = [d.strftime("%d-%m-%Y") for d in days]
    truant = set(keys[:: max(2, len(keys) // 100)])  # ~1% of pupils skip school a lot
    kinds = ["Ziek", "Geoorloofd", "Te laat", "Ongeoorloofd"]
    out = io.StringIO()
    out.write("Stamnummer;Datum;Lesuur;T/m lesuur;Verantwoording;Code;Absentie-ID\n")
    per_pupil = max(1, lines // len(keys))
    written = 0
    for key in keys:
        heavy = key in truant
        for n in range(per_pupil):
            if written >= lines:
                break
            if heavy and n < 8:  # two lesson hours on 8 consecutive school days: 16 hours
                line = f"{key};{texts[n]};1;2;Ongeoorloofd;S;{key}-{n}\n"
            else:
                first = rng.randint(1, 8)
                kind = kinds[rng.randint(0, 3 if n % 10 == 0 else 2)]
                day = texts[8 + (n * 3) % (len(texts) - 8)]
                line = f"{key};{day};{first};{first};{kind};Z;{key}-{n}\n"
            out.write(line)
            written += 1
    return out.getvalue().encode()


def setup_school(pupils: int) -> tuple[Any, list[str]]:
    from passend.access.actor import Actor
    from passend.accounts.models import (
        Membership,
        Organisation,
        OrganisationKind,
        Role,
        SchoolType,
        Sector,
        User,
    )
    from passend.pupils.models import Enrolment, Pupil

    swv = Organisation.objects.create(name="SWV Bench", kind=OrganisationKind.SWV, sector=Sector.VO)
    board = Organisation.objects.create(name="Bestuur Bench", kind=OrganisationKind.SCHOOL_BOARD)
    school = Organisation.objects.create(
        name="College Bench",
        kind=OrganisationKind.SCHOOL,
        sector=Sector.VO,
        school_type=SchoolType.REGULAR,
        board=board,
        swv=swv,
    )
    user = User.objects.create(username=f"bench-ib-{school.pk}")
    membership = Membership.objects.create(
        user=user, organisation=school, role=Role.SUPPORT_COORDINATOR
    )
    keys = [str(100000 + n) for n in range(pupils)]
    created = Pupil.objects.bulk_create(
        [
            Pupil(
                first_name="Leerling",
                last_name=f"Bench{key}",
                birth_date=dt.date(2011, 1, 1),
                source_school=school,
                source_system="magister",
                source_key=key,
            )
            for key in keys
        ],
        batch_size=2000,
    )
    Enrolment.objects.bulk_create(
        [Enrolment(pupil=p, school=school, start_date=dt.date(2020, 8, 1)) for p in created],
        batch_size=2000,
    )
    return Actor.for_membership(membership), keys


def run(lines: int = 1_000_000, pupils: int = 20_000) -> dict[str, float]:
    from django.db import connection
    from django.utils import timezone

    from passend.attendance import importers, services

    actor, keys = setup_school(pupils)
    data = make_csv(keys, lines, timezone.localdate())
    timings: dict[str, float] = {"lines": float(lines)}

    start = time.perf_counter()
    run_ = services.start_import(actor, source="magister", file=io.BytesIO(data), enqueue=False)
    timings["prepare_s"] = time.perf_counter() - start
    middle = time.perf_counter()
    result = importers.run_import(run_.pk)
    timings["process_s"] = time.perf_counter() - middle
    timings["total_s"] = time.perf_counter() - start
    assert result is not None and result.rejected == 0, result and result.rejected_lines[:3]
    timings["created"] = result.created
    timings["signals"] = result.signals

    start = time.perf_counter()
    again = services.start_import(actor, source="magister", file=io.BytesIO(data), enqueue=False)
    second = importers.run_import(again.pk)
    timings["reimport_s"] = time.perf_counter() - start
    assert second is not None and second.created == 0 and second.unchanged == result.created
    timings["vendor_postgresql"] = 1.0 if connection.vendor == "postgresql" else 0.0
    return timings


def main(lines: int = 1_000_000, pupils: int = 20_000) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passend.settings")
    import django

    django.setup()
    from django.db import connection

    from bench.throwaway import throwaway_database

    with throwaway_database():
        timings = run(lines, pupils)
    rate = timings["lines"] / timings["total_s"]
    vendor = "PostgreSQL" if timings["vendor_postgresql"] else connection.vendor
    print(
        f"absence import of {int(timings['lines']):,} lines on {vendor}: "
        f"{timings['total_s']:.1f} s = {rate:,.0f} lines/s "
        f"(upload {timings['prepare_s']:.1f} s, processing incl. detection "
        f"{timings['process_s']:.1f} s; {int(timings['signals'])} meldplichtig); "
        f"unchanged re-import {timings['reimport_s']:.1f} s"
    )
    if not timings["vendor_postgresql"]:
        print("target applies to PostgreSQL (set DATABASE_URL); not judged here")
        return 0
    ok = rate >= TARGET_LINES_PER_SECOND
    print(f"target >= {TARGET_LINES_PER_SECOND:,} lines/s: {'ok' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    sys.exit(main(*args))
