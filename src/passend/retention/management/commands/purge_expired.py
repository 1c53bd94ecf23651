"""Deletes expired cases (PRV-06). Run it once a day (cron or a systemd timer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Deletes closed cases whose retention term has passed, except those under a legal "
        "hold, and prints what it did (counts only). --dry-run deletes nothing; --enqueue "
        "hands the run to the task worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
        parser.add_argument("--enqueue", action="store_true", help="run it on the task worker")
        parser.add_argument("--today", type=dt.date.fromisoformat, help=argparse_today_help())

    def handle(self, *args: Any, **options: Any) -> None:
        from passend.retention.services import purge_expired
        from passend.retention.tasks import purge_expired_cases

        if options["enqueue"]:
            result = purge_expired_cases.enqueue()
            self.stdout.write(f"Purge enqueued ({result.id}).")
            return
        report = purge_expired(
            today=options["today"], dry_run=options["dry_run"], trigger="command"
        )
        self.stdout.write(f"Run {report.run.pk}:")
        for line in report.lines():
            self.stdout.write(str(line))


def argparse_today_help() -> str:
    return "the date to purge as of (YYYY-MM-DD; default: today), for testing a schedule"
