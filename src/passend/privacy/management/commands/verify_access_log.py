from typing import Any

from django.core.management.base import BaseCommand, CommandError

from passend.privacy.models import AccessLogEntry
from passend.privacy.selectors import verify_chain


class Command(BaseCommand):
    help = "Verifies the hash chain of the access log; exits non-zero at the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        for broken in verify_chain():
            raise CommandError(
                f"Access log chain broken at entry {broken.entry_id}: {broken.problem}."
            )
        count = AccessLogEntry.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {count} entries verified."))
