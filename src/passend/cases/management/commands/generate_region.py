"""``manage.py generate_region --scale {tiny,small,large}``: a fictitious region for benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from passend.cases import generator


class Command(BaseCommand):
    help = (
        "Fills an EMPTY database with a fictitious region (organisations, users with TOTP, "
        "pupils, cases, consents, access log, and the parts modules register: documents with "
        "encrypted blobs in MEDIA_ROOT, TLVs, meetings, absence) for benchmarks. Deterministic "
        "per --seed. "
        f"Every generated user has the password {generator.PASSWORD!r}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(generator.SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if str(getattr(settings, "SETTINGS_MODULE", "")).endswith("settings_production"):
            raise CommandError("generate_region never runs with production settings.")
        if not generator.region_is_empty():
            raise CommandError(
                "The database already holds organisations, users, pupils or cases; "
                "generate_region only fills an empty (freshly migrated) database."
            )
        scale = generator.SCALES[options["scale"]]
        self.stdout.write(f"Generating region '{scale.name}' (seed {options['seed']}):")
        started = time.perf_counter()
        g = generator.Generator(scale, seed=options["seed"], out=self.stdout)
        g.run()
        total = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Region '{scale.name}' generated in {total:.1f} s."))
