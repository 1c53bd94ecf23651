"""The TLV report's figures per application (issue 10): check them against the applications'
own rows, or write them afresh after rows were changed outside the services (a restore)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from passend.tlv import selectors, services


class Command(BaseCommand):
    help = (
        "De cijfers van de TLV-rapportage per aanvraag controleren (--check) of opnieuw "
        "berekenen uit de aanvragen, adviezen, besluiten en termijnen (TLV-04)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Alleen controleren; fout als cijfers afwijken van de aanvragen.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            differing = selectors.report_figures_out_of_step()
            if differing:
                raise CommandError(
                    f"De cijfers van {differing} TLV-aanvragen wijken af; bereken ze opnieuw "
                    "met: manage.py tlv_report_figures"
                )
            self.stdout.write("De cijfers van de TLV-rapportage kloppen.")
            return
        written = services.refresh_report_figures()
        self.stdout.write(f"Cijfers van {written} ingediende TLV-aanvragen berekend.")
