"""Daily housekeeping of the FG console: register PDFs past their availability, stray files."""

from typing import Any

from django.core.management.base import BaseCommand

from passend.fg.services import purge_register_pdfs


class Command(BaseCommand):
    help = "Verwijdert register-PDF's na hun beschikbaarheid en losse versleutelde bestanden."

    def handle(self, *args: Any, **options: Any) -> None:
        result = purge_register_pdfs()
        self.stdout.write(
            f"pdfs_deleted={result['pdfs_deleted']} orphans_deleted={result['orphans_deleted']}"
        )
