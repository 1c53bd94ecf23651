"""``manage.py backup --output DIR``: database, encrypted documents and a manifest (issue 11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from passend.privacy.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Backs up the database (SQLite backup API or pg_dump) and the encrypted document store "
        "to a new directory, with a manifest of row counts, file hashes, the access-log head "
        "and the master key ids (never a key)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="a new, empty directory")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(options["output"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {options['output']}: {len(manifest['tables'])} tables, "
                f"{rows} rows, {len(manifest['files'])} files, access log "
                f"{manifest['access_log']['count']} entries."
            )
        )
