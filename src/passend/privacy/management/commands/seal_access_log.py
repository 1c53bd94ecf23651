import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from passend.privacy.services import seal_access_log


class Command(BaseCommand):
    help = (
        "Seals new access-log entries into the hash chain. Writers also seal after their "
        "commit (at most once a second per process); run this from the scheduler every minute "
        "so that a quiet system is sealed too, or with --every N as a service."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=0.0, help="Keep running, sealing every N seconds."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        while True:
            sealed = seal_access_log()
            if options["verbosity"] > 1 or not every:
                self.stdout.write(f"Sealed {sealed} access-log entries.")
            if not every:
                return
            time.sleep(every)
