"""``manage.py import_pupils --school 11AA00 --source parnassys leerlingen.csv``

Runs the same import as the upload screen (docs/imports.md), synchronously, as the system
(no acting professional). Prints counts and the rejected lines; never a value from the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from passend.accounts.models import Organisation, OrganisationKind
from passend.privacy.context import AccessContext
from passend.pupils import services
from passend.pupils.models import ImportSource, ImportStatus, PupilImport


class Command(BaseCommand):
    help = "Importeer leerlingen van één school uit een CSV-export (geen BSN, AGE-02)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="BRIN (4) of BRIN + vestiging (6)")
        parser.add_argument("--source", required=True, choices=ImportSource.values)
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, school: str, source: str, file: Path, **options: Any) -> None:
        organisation = self._school(school.strip().upper())
        if not file.is_file():
            raise CommandError(f"Bestand niet gevonden: {file}")
        try:
            with file.open("rb") as handle:
                # Run here, in this process, rather than through the task queue.
                pupil_import = services.start_import(
                    AccessContext.system(trace_id="import_pupils"),
                    school=organisation,
                    source=source,
                    file=handle,
                    enqueue=False,
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        from passend.pupils.importers import run_import

        run_import(pupil_import.pk)
        pupil_import = PupilImport.objects.get(pk=pupil_import.pk)
        self.stdout.write(
            f"Import #{pupil_import.pk}: {pupil_import.total_lines} regels; "
            f"nieuw {pupil_import.created_count}, bijgewerkt {pupil_import.updated_count}, "
            f"ongewijzigd {pupil_import.unchanged_count}, "
            f"afgewezen {pupil_import.rejected_count}."
        )
        if pupil_import.ignored_columns:
            self.stdout.write("Niet ingelezen (BSN): " + ", ".join(pupil_import.ignored_columns))
        for item in pupil_import.rejected_lines:
            self.stdout.write(f"regel {item['line']}: {item['reason']}")
        if pupil_import.status != ImportStatus.DONE:
            raise CommandError(pupil_import.failure or "De import is mislukt.")

    def _school(self, code: str) -> Organisation:
        schools = Organisation.objects.filter(kind=OrganisationKind.SCHOOL, brin=code[:4])
        if len(code) == 6:
            schools = schools.filter(vestiging=code[4:])
        elif len(code) != 4:
            raise CommandError("Geef een BRIN van 4 tekens of BRIN + vestiging (6 tekens).")
        found = list(schools[:2])
        if not found:
            raise CommandError(f"Geen school met BRIN {code}.")
        if len(found) > 1:
            raise CommandError(f"BRIN {code} heeft meerdere vestigingen; geef ook de vestiging.")
        return found[0]
