"""``manage.py restore DIR``: into an empty installation, then verified (issue 11, check 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from passend.privacy.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restores a backup made by `manage.py backup` into an empty installation, then verifies "
        "the access-log chain, the row counts, the document files and that every document "
        "decrypts with the configured master keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="the backup directory")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore(options["source"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and verified: {report.tables} tables, {report.rows} rows, "
                f"{report.files} document files, {report.documents_decrypted} documents "
                f"decrypted, access log intact ({report.access_log_entries} entries)."
            )
        )
