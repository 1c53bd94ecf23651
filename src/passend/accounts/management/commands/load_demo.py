"""Loads the fictitious demo region "Groningen Stad" and prints the demo logins."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from passend.accounts.demo import format_logins, load_demo

ALLOW_ENV = "PASSEND_ALLOW_DEMO"


def demo_allowed() -> bool:
    """Only on a development key, unless explicitly allowed: the demo logins are public."""
    explicit = os.environ.get(ALLOW_ENV)
    if explicit is not None:
        return explicit.strip().lower() in {"1", "true", "yes", "on"}
    return settings.SECRET_KEY.startswith("dev-only-")


class Command(BaseCommand):
    help = (
        "Laadt de fictieve demoregio Groningen Stad met één gebruiker per rol en toont de "
        "aanmeldgegevens. Een tweede keer draaien verandert niets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet-logins",
            action="store_true",
            help="Toon de aanmeldgegevens niet.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_allowed():
            raise CommandError(
                "De demo bevat openbare wachtwoorden en een superuser en wordt niet geladen met "
                f"een productiesleutel. Zet {ALLOW_ENV}=1 als dit echt een demo-omgeving is."
            )
        region = load_demo()
        if not options["quiet_logins"]:
            self.stdout.write(format_logins(region))
        self.stdout.write(
            f"Demoregio geladen: {len(region.organisations)} organisaties, "
            f"{len(region.users)} gebruikers, {region.changes} wijzigingen."
        )
