"""Daily housekeeping of the portal: sign-in attempts older than 30 days (rate limits need less)."""

from typing import Any

from django.core.management.base import BaseCommand

from passend.portal.auth import purge_old_attempts


class Command(BaseCommand):
    help = "Verwijdert aanmeldpogingen voor het portaal die ouder zijn dan 30 dagen."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"attempts_deleted={purge_old_attempts()}")
