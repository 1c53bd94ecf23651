"""Daily housekeeping of the application form: expired decided submissions and orphan blobs."""

from typing import Any

from django.core.management.base import BaseCommand

from passend.intake.services import purge_decided


class Command(BaseCommand):
    help = (
        "Verwijdert afgehandelde aanmeldingen na de bewaartermijn en losse versleutelde bestanden."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = purge_decided()
        self.stdout.write(
            f"submissions_deleted={result['submissions_deleted']} "
            f"orphans_deleted={result['orphans_deleted']}"
        )
