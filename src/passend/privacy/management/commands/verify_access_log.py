from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from passend.privacy.models import AccessLogEntry
from passend.privacy.selectors import unsealed_entries, verify_chain


class Command(BaseCommand):
    help = (
        "Verifies the hash chain of the access log; exits non-zero at the first broken block, "
        "or when entries stayed unsealed longer than --max-unsealed-minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-unsealed-minutes",
            type=float,
            default=15.0,
            help="An entry older than this that is not sealed is a failure (the sealer stopped, "
            "or a sealed block was removed from the end). Default 15.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for broken in verify_chain():
            raise CommandError(
                f"Access log chain broken at entry {broken.entry_id}: {broken.problem}."
            )
        cutoff = timezone.now() - timedelta(minutes=options["max_unsealed_minutes"])
        pending = unsealed_entries()
        stale = pending.filter(occurred_at__lt=cutoff).order_by("id").first()
        if stale is not None:
            raise CommandError(
                f"Access log entry {stale.id} and later are not sealed, although written more "
                f"than {options['max_unsealed_minutes']:g} minutes ago: run seal_access_log, "
                "or a sealed block was removed."
            )
        count = AccessLogEntry.objects.count()
        waiting = pending.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Access log intact: {count - waiting} entries verified, {waiting} waiting to be "
                "sealed."
            )
        )
