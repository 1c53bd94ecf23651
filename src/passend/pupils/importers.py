"""Import pupils from a school's pupil administration (ParnasSys, Magister, SOMtoday, Esis).

Two steps (docs/imports.md describes the columns):

1. ``prepare(file, source)`` at upload. Reads the CSV streaming (``;`` or ``,``, UTF-8 with
   or without BOM, cp1252 as fallback), maps the headers of the chosen source onto Passend's
   fields and writes a sanitised copy that holds only the mapped columns. BSN columns are
   never read; a BSN-like value in a mapped column is blanked and the line is marked, so no
   BSN reaches the database, not even for the minutes before processing (AGE-02).
2. ``run_import(import_id)`` in a task (``tasks.process_pupil_import``). Validates each line,
   then writes in batches (one transaction per batch, bulk_create / bulk_update), idempotent on
   (school, source system, pupil number) plus a current enrolment at the importing school.
   Counters are updated per batch for the progress bar; rejected lines are reported with their
   line number and a Dutch reason that never repeats a value from the file. The sanitised copy
   is cleared when the run ends, successfully or not.

Columns absent from the file leave the existing data alone; pupils missing from the file are
not unenrolled (an export may be partial). Guardians are entered by hand: exports do not say
reliably who has parental authority (AGE-03).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import islice
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from passend.bsn_guard import find_bsn_like
from passend.privacy.context import AccessContext
from passend.pupils.models import (
    Enrolment,
    Gender,
    ImportSource,
    ImportStatus,
    Pupil,
    PupilImport,
)
from passend.pupils.services import log_pupil_access

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_ROWS = 20_000
MAX_REJECTED_REPORTED = 2_000
OLDEST_PLAUSIBLE_AGE = 30

# Passend's import fields. Address parts are joined into Pupil.address.
FIELDS = (
    "source_key",
    "first_name",
    "name_prefix",
    "last_name",
    "birth_date",
    "gender",
    "grade",
    "start_date",
    "street",
    "house_number",
    "postcode",
    "town",
    "phone",
    "email",
)
REQUIRED = ("source_key", "first_name", "last_name", "birth_date")
ADDRESS_PARTS = ("street", "house_number", "postcode", "town")
# Import field -> Pupil field for the fields copied one to one.
PUPIL_FIELD = {
    "first_name": "first_name",
    "name_prefix": "name_prefix",
    "last_name": "last_name",
    "birth_date": "birth_date",
    "gender": "gender",
    "phone": "phone",
    "email": "email",
}

_ADDRESS = {
    "street": ("Straat", "Straatnaam"),
    "house_number": ("Huisnummer", "Huisnr", "Huisnummer + toevoeging"),
    "postcode": ("Postcode",),
    "town": ("Woonplaats", "Plaats"),
}

# One mapping per source: import field -> accepted headers; the first one is documented.
MAPPINGS: dict[str, dict[str, tuple[str, ...]]] = {
    ImportSource.PARNASSYS: {
        "source_key": ("Leerlingnummer", "Leerling-ID", "Leerlingnr"),
        "first_name": ("Roepnaam", "Voornaam"),
        "name_prefix": ("Voorvoegsel", "Tussenvoegsel"),
        "last_name": ("Achternaam",),
        "birth_date": ("Geboortedatum",),
        "gender": ("Geslacht",),
        "grade": ("Groep", "Groepsnaam"),
        "start_date": ("Datum inschrijving", "Inschrijfdatum", "Datum instroom"),
        **_ADDRESS,
        "phone": ("Telefoonnummer", "Telefoon"),
        "email": ("E-mailadres", "E-mail"),
    },
    ImportSource.MAGISTER: {
        "source_key": ("Stamnummer", "Leerlingnummer"),
        "first_name": ("Roepnaam", "Voornaam"),
        "name_prefix": ("Tussenvoegsel", "Tussenv.", "Voorvoegsel"),
        "last_name": ("Achternaam",),
        "birth_date": ("Geboortedatum", "Geb.datum"),
        "gender": ("Geslacht",),
        "grade": ("Klas", "Stamklas", "Leerjaar"),
        "start_date": ("Datum inschrijving", "Begindatum", "Inschrijfdatum"),
        **_ADDRESS,
        "phone": ("Telefoon", "Telefoonnummer", "Mobiel"),
        "email": ("E-mail", "E-mailadres"),
    },
    ImportSource.SOMTODAY: {
        "source_key": ("Leerlingnummer", "Leerling nummer"),
        "first_name": ("Roepnaam", "Voornaam"),
        "name_prefix": ("Voorvoegsel", "Tussenvoegsel"),
        "last_name": ("Achternaam",),
        "birth_date": ("Geboortedatum",),
        "gender": ("Geslacht",),
        "grade": ("Stamgroep", "Leerjaar", "Klas"),
        "start_date": ("Datum inschrijving", "Inschrijvingsdatum", "Begindatum"),
        **_ADDRESS,
        "phone": ("Telefoonnummer", "Telefoon"),
        "email": ("E-mailadres", "E-mail"),
    },
    ImportSource.ESIS: {
        "source_key": ("Leerlingnummer", "Leerling-ID", "Leerling ID"),
        "first_name": ("Roepnaam", "Voornaam"),
        "name_prefix": ("Tussenvoegsel", "Voorvoegsel"),
        "last_name": ("Achternaam",),
        "birth_date": ("Geboortedatum",),
        "gender": ("Geslacht",),
        "grade": ("Groep", "Jaargroep"),
        "start_date": ("Inschrijfdatum", "Datum inschrijving"),
        **_ADDRESS,
        "phone": ("Telefoonnummer", "Telefoon"),
        "email": ("E-mailadres", "E-mail"),
    },
}

# A header holding (or named after) a BSN-type number: the column is never read (AGE-02).
_BSN_HEADER_PARTS = ("bsn", "burgerservice", "sofi", "onderwijsnummer", "persoonsgebonden")
_BSN_HEADERS_EXACT = {"pgn", "sofinr", "bsn-nummer"}

GENDERS = {
    "m": Gender.BOY,
    "man": Gender.BOY,
    "mannelijk": Gender.BOY,
    "jongen": Gender.BOY,
    "j": Gender.BOY,
    "v": Gender.GIRL,
    "f": Gender.GIRL,
    "vrouw": Gender.GIRL,
    "vrouwelijk": Gender.GIRL,
    "meisje": Gender.GIRL,
}
DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y")

# Sanitised copy: "line" and "bsn" (fields whose value was blanked) before the mapped fields.
_LINE = "line"
_BSN = "bsn"


def normalise_header(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").strip().strip('"').lower().split())


def is_bsn_header(header: str) -> bool:
    name = normalise_header(header)
    return name in _BSN_HEADERS_EXACT or any(part in name for part in _BSN_HEADER_PARTS)


def documented_columns(source: str) -> dict[str, str]:
    return {name: headers[0] for name, headers in MAPPINGS[source].items()}


@dataclass(frozen=True)
class Prepared:
    content: str
    total_lines: int
    ignored_columns: list[str]
    column_labels: dict[str, str]


def _detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _without_nul(lines: Iterable[str]) -> Iterator[str]:
    # A NUL character is never data in a pupil export, and PostgreSQL text cannot hold it.
    for line in lines:
        yield line.replace("\x00", "")


def _prepare_text(text: Iterator[str], source: str) -> Prepared:
    text = _without_nul(text)
    header_line = next(text, "")
    if not header_line.strip():
        raise ValidationError(_("Het bestand is leeg."))
    delimiter = _detect_delimiter(header_line)
    reader = csv.reader(_chain(header_line, text), delimiter=delimiter)
    headers = next(reader)
    mapping = MAPPINGS[source]
    lookup = {normalise_header(h): name for name, hs in mapping.items() for h in hs}
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    for position, header in enumerate(headers):
        if is_bsn_header(header):
            ignored.append(header.replace("\ufeff", "").strip())
            continue
        name = lookup.get(normalise_header(header))
        if name and name not in index:
            index[name] = position
            labels[name] = header.replace("\ufeff", "").strip()
    missing = [mapping[name][0] for name in REQUIRED if name not in index]
    if missing:
        raise ValidationError(
            _(
                "Deze kolommen ontbreken in het bestand: %(columns)s. Controleer of u de "
                "juiste bron (%(source)s) heeft gekozen; zie de handleiding voor de kolommen."
            )
            % {"columns": ", ".join(missing), "source": ImportSource(source).label}
        )
    present = [name for name in FIELDS if name in index]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_LINE, _BSN, *present])
    total = 0
    previous_end = reader.line_num
    for row in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        total += 1
        if total > MAX_ROWS:
            raise ValidationError(
                _("Het bestand heeft meer dan %(max)s regels.") % {"max": MAX_ROWS}
            )
        values, flagged = [], []
        for name in present:
            position = index[name]
            value = row[position].strip() if position < len(row) else ""
            if find_bsn_like(value):
                flagged.append(name)
                value = ""
            values.append(value)
        writer.writerow([line, " ".join(flagged), *values])
    return Prepared(out.getvalue(), total, ignored, labels)


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def prepare(file: IO[bytes], source: str) -> Prepared:
    """Read an uploaded export into a sanitised copy without any BSN (AGE-02)."""
    if source not in MAPPINGS:
        raise ValidationError(_("Onbekend bronsysteem."))
    for encoding in ("utf-8-sig", "cp1252"):
        file.seek(0)
        wrapper = io.TextIOWrapper(file, encoding=encoding, newline="")
        try:
            return _prepare_text(iter(wrapper), source)
        except UnicodeDecodeError:
            continue
        except csv.Error:
            raise ValidationError(
                _("Het bestand is geen geldig CSV-bestand (controleer de aanhalingstekens).")
            ) from None
        finally:
            wrapper.detach()
    raise ValidationError(
        _("Het bestand kan niet worden gelezen. Sla het op als CSV (UTF-8) en probeer opnieuw.")
    )


# --- processing ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejected_lines: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejected_lines) < MAX_REJECTED_REPORTED:
            self.rejected_lines.append({"line": line, "reason": reason})


@dataclass
class _Row:
    line: int
    key: str
    pupil_values: dict[str, Any]
    grade: str | None
    start_date: date | None


def _parse_date(value: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


class _Rejected(Exception):
    pass


_ERROR_TEXT = {
    "max_length": gettext_noop("Kolom '%(column)s' is te lang."),
    "invalid": gettext_noop("Kolom '%(column)s' heeft geen geldige waarde."),
    "required": gettext_noop("Kolom '%(column)s' is verplicht maar leeg."),
    "blank": gettext_noop("Kolom '%(column)s' is verplicht maar leeg."),
    "bsn": gettext_noop("Kolom '%(column)s' lijkt een BSN te bevatten (AGE-02)."),
    "onderwijsnummer": gettext_noop(
        "Kolom '%(column)s' lijkt een onderwijsnummer te bevatten (AGE-02)."
    ),
}


def _model_error_reason(error: ValidationError, labels: dict[str, str]) -> str:
    # Built from error codes only: Django's own messages may quote the rejected value.
    columns = {model: labels[name] for name, model in PUPIL_FIELD.items() if name in labels}
    columns["address"] = " / ".join(labels[p] for p in ADDRESS_PARTS if p in labels)
    columns["source_key"] = labels.get("source_key", "source_key")
    parts = []
    for model_field, errors in error.error_dict.items():
        column = columns.get(model_field) or model_field
        for item in errors:
            template = _ERROR_TEXT.get(item.code or "", _ERROR_TEXT["invalid"])
            parts.append(_(template) % {"column": column})
    return " ".join(parts)


def _parse_row(raw: dict[str, str], labels: dict[str, str], today: date) -> _Row:
    line = int(raw[_LINE])
    flagged = raw[_BSN].split()
    if flagged:
        columns = ", ".join(f"'{labels.get(name, name)}'" for name in flagged)
        raise _Rejected(
            _(
                "Kolom %(columns)s lijkt een BSN of onderwijsnummer te bevatten. Het "
                "samenwerkingsverband mag geen BSN verwerken; de regel is niet geïmporteerd "
                "(AGE-02)."
            )
            % {"columns": columns}
        )
    for name in REQUIRED:
        if not raw.get(name):
            raise _Rejected(
                _("Kolom '%(column)s' is verplicht maar leeg.") % {"column": labels[name]}
            )
    values: dict[str, Any] = {}
    for name, model_field in PUPIL_FIELD.items():
        if name in raw:
            values[model_field] = raw[name]
    birth_date = _parse_date(raw["birth_date"])
    if birth_date is None:
        raise _Rejected(
            _("Kolom '%(column)s' bevat geen geldige datum (gebruik dd-mm-jjjj of jjjj-mm-dd).")
            % {"column": labels["birth_date"]}
        )
    if birth_date > today or birth_date.year < today.year - OLDEST_PLAUSIBLE_AGE:
        raise _Rejected(
            _("Kolom '%(column)s' bevat geen aannemelijke geboortedatum voor een leerling.")
            % {"column": labels["birth_date"]}
        )
    values["birth_date"] = birth_date
    if "gender" in raw:
        values["gender"] = GENDERS.get(raw["gender"].strip().lower(), Gender.OTHER)
    if any(part in raw for part in ADDRESS_PARTS):
        street = " ".join(raw.get(p, "") for p in ("street", "house_number")).strip()
        town = " ".join(raw.get(p, "") for p in ("postcode", "town")).strip()
        values["address"] = ", ".join(p for p in (street, town) if p)
    start_date = None
    if raw.get("start_date"):
        start_date = _parse_date(raw["start_date"])
        if start_date is None:
            raise _Rejected(
                _("Kolom '%(column)s' bevat geen geldige datum (gebruik dd-mm-jjjj of jjjj-mm-dd).")
                % {"column": labels["start_date"]}
            )
    grade = raw.get("grade")
    # The model's own validation (lengths, e-mail, BSN guard) on the fields in the file.
    candidate = Pupil(
        first_name=values["first_name"],
        last_name=values["last_name"],
        birth_date=birth_date,
        source_key=raw["source_key"],
        **{k: v for k, v in values.items() if k not in ("first_name", "last_name", "birth_date")},
    )
    exclude = [f for f in ("name_prefix", "gender", "email", "phone", "address") if f not in values]
    exclude += ["source_school", "source_system"]
    try:
        candidate.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        if grade:
            Enrolment._meta.get_field("grade").clean(grade, None)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise _Rejected(_model_error_reason(error, labels)) from None
        raise _Rejected(
            _("Kolom '%(column)s' heeft geen geldige waarde.")
            % {"column": labels.get("grade", "grade")}
        ) from None
    return _Row(line, raw["source_key"], values, grade, start_date)


def _is_current(enrolment: Enrolment, today: date) -> bool:
    return enrolment.end_date is None or enrolment.end_date >= today


def _process_batch(
    rows: list[dict[str, str]],
    pupil_import: PupilImport,
    context: AccessContext,
    labels: dict[str, str],
    seen: dict[str, int],
    result: ImportResult,
) -> None:
    today = timezone.localdate()
    school = pupil_import.school
    parsed: list[_Row] = []
    for raw in rows:
        try:
            row = _parse_row(raw, labels, today)
        except _Rejected as rejected:
            result.reject(int(raw[_LINE]), str(rejected))
            continue
        if row.key in seen:
            result.reject(
                row.line,
                _(
                    "Het leerlingnummer (kolom '%(column)s') staat ook op regel %(first)s; "
                    "alleen die regel is gebruikt."
                )
                % {"column": labels["source_key"], "first": seen[row.key]},
            )
            continue
        seen[row.key] = row.line
        parsed.append(row)
    if not parsed:
        return

    existing = {
        p.source_key: p
        for p in Pupil.objects.filter(
            source_school=school,
            source_system=pupil_import.source,
            source_key__in=[r.key for r in parsed],
        )
    }
    enrolments: dict[int, list[Enrolment]] = {}
    for enrolment in Enrolment.objects.filter(
        school=school, pupil__in=list(existing.values())
    ).order_by("-start_date"):
        enrolments.setdefault(enrolment.pupil_id, []).append(enrolment)

    now = timezone.now()
    new_pupils: list[tuple[_Row, Pupil]] = []
    changed_pupils: list[Pupil] = []
    changed_fields: set[str] = set()
    new_enrolments: list[Enrolment] = []
    changed_enrolments: list[Enrolment] = []
    updated_ids: list[tuple[Pupil, str]] = []

    for row in parsed:
        pupil = existing.get(row.key)
        if pupil is None:
            pupil = Pupil(
                source_school=school,
                source_system=pupil_import.source,
                source_key=row.key,
                **row.pupil_values,
            )
            new_pupils.append((row, pupil))
            continue
        changes = [f for f, v in row.pupil_values.items() if getattr(pupil, f) != v]
        for name in changes:
            setattr(pupil, name, row.pupil_values[name])
        what = list(changes)
        current = [e for e in enrolments.get(pupil.pk, []) if _is_current(e, today)]
        if current:
            enrolment = current[0]
            if row.grade is not None and enrolment.grade != row.grade:
                enrolment.grade = row.grade
                changed_enrolments.append(enrolment)
                what.append("grade")
        else:
            start = row.start_date or today
            same_start = [e for e in enrolments.get(pupil.pk, []) if e.start_date == start]
            if same_start:  # an ended enrolment with this start date: reopen it
                enrolment = same_start[0]
                enrolment.end_date = None
                if row.grade is not None:
                    enrolment.grade = row.grade
                changed_enrolments.append(enrolment)
            else:
                new_enrolments.append(
                    Enrolment(pupil=pupil, school=school, start_date=start, grade=row.grade or "")
                )
            what.append("enrolment")
        if changes:
            pupil.updated_at = now  # bulk_update does not apply auto_now
            changed_pupils.append(pupil)
            changed_fields.update(changes)
        if what:
            updated_ids.append((pupil, ",".join(what)))
        else:
            result.unchanged += 1

    created = Pupil.objects.bulk_create([p for _row, p in new_pupils], batch_size=BATCH_SIZE)
    for (row, _unsaved), pupil in zip(new_pupils, created, strict=True):
        new_enrolments.append(
            Enrolment(
                pupil=pupil,
                school=school,
                start_date=row.start_date or today,
                grade=row.grade or "",
            )
        )
    if changed_pupils:
        Pupil.objects.bulk_update(
            changed_pupils, [*sorted(changed_fields), "updated_at"], batch_size=BATCH_SIZE
        )
    if new_enrolments:
        Enrolment.objects.bulk_create(new_enrolments, batch_size=BATCH_SIZE)
    if changed_enrolments:
        Enrolment.objects.bulk_update(
            changed_enrolments, ["grade", "end_date"], batch_size=BATCH_SIZE
        )

    source_note = f"import={pupil_import.pk};source={pupil_import.source};PRV-09 school"
    for pupil in created:
        log_pupil_access(context, pupil, action="import_create", reason=source_note)
    for pupil, fields in updated_ids:
        log_pupil_access(
            context, pupil, action="import_update", reason=f"{source_note};fields={fields}"
        )
    result.created += len(created)
    result.updated += len(updated_ids)


def _batches(reader: Iterable[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    iterator = iter(reader)
    while batch := list(islice(iterator, size)):
        yield batch


def run_import(import_id: int) -> ImportResult | None:
    """Process one uploaded import; returns None if it was already taken by another worker."""
    claimed = PupilImport.objects.filter(pk=import_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    pupil_import = PupilImport.objects.select_related("school", "requested_by").get(pk=import_id)
    context = AccessContext(
        user=pupil_import.requested_by,
        organisation_id=pupil_import.school_id,
        role=pupil_import.requested_role,
        trace_id=pupil_import.trace_id,
    )
    labels = dict(pupil_import.column_labels)
    result = ImportResult()
    seen: dict[str, int] = {}
    try:
        reader = csv.DictReader(io.StringIO(pupil_import.content))
        for batch in _batches(reader, BATCH_SIZE):
            before = replace(result, rejected_lines=list(result.rejected_lines))
            try:
                with transaction.atomic():
                    _process_batch(batch, pupil_import, context, labels, seen, result)
                    pupil_import.processed_lines += len(batch)
                    _store_counts(pupil_import, result)
                    pupil_import.save(
                        update_fields=[
                            "processed_lines",
                            "created_count",
                            "updated_count",
                            "unchanged_count",
                            "rejected_count",
                            "rejected_lines",
                        ]
                    )
            except Exception:
                result = before  # the batch was rolled back: so are its counts
                raise
        pupil_import.status = ImportStatus.DONE
    except Exception as exc:
        pupil_import.status = ImportStatus.FAILED
        pupil_import.failure = _(
            "De import is afgebroken door een onverwachte fout. Wat al verwerkt was, blijft "
            "bewaard; u kunt het bestand opnieuw importeren."
        )
        # The exception type only: its message could quote a value from the file.
        logger.error("pupil import %s failed: %s", import_id, type(exc).__name__)
        raise
    finally:
        pupil_import.content = ""
        pupil_import.finished_at = timezone.now()
        _store_counts(pupil_import, result)
        pupil_import.save()
    return result


def _store_counts(pupil_import: PupilImport, result: ImportResult) -> None:
    pupil_import.created_count = result.created
    pupil_import.updated_count = result.updated
    pupil_import.unchanged_count = result.unchanged
    pupil_import.rejected_count = result.rejected
    pupil_import.rejected_lines = list(result.rejected_lines)
