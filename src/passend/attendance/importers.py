"""Import absence records from a school's pupil administration (docs/imports-absence.md).

Follows the pupil import (``passend.pupils.importers``) and reuses its header handling:

1. ``prepare(file, source)`` at upload: streams the CSV (``;``/``,``/tab, UTF-8 with or without
   BOM, cp1252 as fallback), keeps only the mapped columns of the chosen source, never reads a
   BSN column, blanks a BSN-like value and marks its line, and replaces the export's record id
   by a hash. What is stored until processing holds no BSN (AGE-02).
2. ``run_import(import_id)`` in a task: parses and validates each line with cached lookups
   (per distinct combination of date, hours, kind and reason), writes per batch in one
   transaction with a fixed number of statements (PostgreSQL: ``COPY`` into a temporary
   table and one ``INSERT … ON CONFLICT``, or on a school's first import of a source
   ``COPY`` straight into the table, two batches at once on connections of their own
   while the task parses the next; SQLite: new records by one ``executemany``, changed ones
   by ``bulk_update``), idempotent on (school, source, record id) through ``record_key``,
   updates the counters for the progress bar, and finally detects who became meldplichtig
   (``detection.detect``). Rejected lines are reported with their line number and a Dutch
   reason that never repeats a value from the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
import logging
import queue
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from operator import attrgetter, itemgetter
from typing import IO, Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.accounts.models import Sector
from passend.attendance.models import AbsenceImport, AbsenceKind, AbsenceRecord, ImportStatus
from passend.bsn_guard import find_bsn_like
from passend.privacy.context import AccessContext, subject_pseudonym
from passend.privacy.services import LogItem, record_access, record_access_many
from passend.pupils.importers import _detect_delimiter, is_bsn_header, normalise_header
from passend.pupils.models import ImportSource, Pupil

logger = logging.getLogger(__name__)

ACTIVITY = "attendance"
LEGAL_GROUND = "Leerplichtwet 1969 art. 21a; Wpo/Wvo"
MAX_REJECTED_REPORTED = 2_000
MAX_LINES = 2_000_000
OLDEST_YEARS = 5
BATCH_POSTGRES = 50_000
BATCH_OTHER = 2_000

FIELDS = (
    "source_key",
    "record_id",
    "date",
    "start_time",
    "end_time",
    "lesson_from",
    "lesson_to",
    "hours",
    "kind",
    "authorised",
    "reason_code",
)
REQUIRED = ("source_key", "date")

# One mapping per source: import field -> accepted headers; the first one is documented.
MAPPINGS: dict[str, dict[str, tuple[str, ...]]] = {
    ImportSource.PARNASSYS: {
        "source_key": ("Leerlingnummer", "Leerling-ID", "Leerlingnr"),
        "record_id": ("Absentie-ID", "Absentienummer"),
        "date": ("Datum", "Absentiedatum"),
        "start_time": ("Begintijd", "Van"),
        "end_time": ("Eindtijd", "Tot"),
        "hours": ("Uren", "Aantal uren"),
        "kind": ("Absentiesoort", "Soort absentie", "Soort"),
        "authorised": ("Geoorloofd",),
        "reason_code": ("Reden", "Absentiereden", "Code"),
    },
    ImportSource.MAGISTER: {
        "source_key": ("Stamnummer", "Leerlingnummer"),
        "record_id": ("Absentie-ID", "AbsentieId"),
        "date": ("Datum",),
        "lesson_from": ("Lesuur", "Van lesuur"),
        "lesson_to": ("T/m lesuur", "Tot lesuur"),
        "start_time": ("Begintijd",),
        "end_time": ("Eindtijd",),
        "hours": ("Aantal lesuren", "Lesuren"),
        "kind": ("Verantwoording", "Absentiesoort", "Soort"),
        "authorised": ("Geoorloofd",),
        "reason_code": ("Code", "Verantwoordingscode", "Afspraakcode"),
    },
    ImportSource.SOMTODAY: {
        "source_key": ("Leerlingnummer", "Leerling nummer"),
        "record_id": ("Absentiemelding-ID", "Melding ID"),
        "date": ("Datum",),
        "lesson_from": ("Begin lesuur", "Eerste lesuur"),
        "lesson_to": ("Eind lesuur", "Laatste lesuur"),
        "start_time": ("Begintijd", "Begin tijd"),
        "end_time": ("Eindtijd", "Eind tijd"),
        "hours": ("Aantal lesuren",),
        "kind": ("Absentiereden", "Reden"),
        "authorised": ("Geoorloofd",),
        "reason_code": ("Afkorting", "Code"),
    },
    ImportSource.ESIS: {
        "source_key": ("Leerlingnummer", "Leerling-ID", "Leerling ID"),
        "record_id": ("Id", "Absentie-ID"),
        "date": ("Datum",),
        "start_time": ("Begintijd",),
        "end_time": ("Eindtijd",),
        "hours": ("Uren",),
        "kind": ("Soort verzuim", "Verzuimsoort", "Soort"),
        "authorised": ("Geoorloofd",),
        "reason_code": ("Reden", "Code"),
    },
}

# Words in the kind column (lower case). Sick is always sick (ABS-02); for other words a
# "Geoorloofd" column (Ja/Nee), when filled, decides authorised or not.
KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(("ziek", "ziekte", "ziekmelding", "zk", "z"), AbsenceKind.SICK),
    **dict.fromkeys(
        (
            "ongeoorloofd",
            "ongeoorloofd verzuim",
            "ongeoorloofd afwezig",
            "spijbelen",
            "spijbel",
            "luxeverzuim",
            "luxe verzuim",
            "o",
        ),
        AbsenceKind.UNAUTHORISED,
    ),
    **dict.fromkeys(
        (
            "geoorloofd",
            "geoorloofd verzuim",
            "verlof",
            "bijzonder verlof",
            "medisch",
            "dokter",
            "huisarts",
            "tandarts",
            "ziekenhuis",
            "religieuze feestdag",
            "g",
        ),
        AbsenceKind.AUTHORISED,
    ),
    **dict.fromkeys(("overig", "anders", "te laat", "extern"), AbsenceKind.OTHER),
}
YES = frozenset({"ja", "j", "yes", "y", "1", "true", "waar"})
NO = frozenset({"nee", "n", "no", "0", "false", "onwaar"})

_LINE = "line"
_BSN = "bsn"
# The stored upload: tab-separated, no quoting, one line per line (a value's own tab or line
# break becomes a space on upload). Written by joining the values and read by splitting each
# line (``stored_lines``, ``LineParser.parser``): ``csv.writer`` took a third of a
# million-line upload, quoting for values that never need it (docs/performance.md, sessions
# 25 and 28). An upload stored as CSV by an earlier version (its header holds commas, no tab)
# is still read as CSV.
STORED_SEPARATOR = "\t"


def _plain(value: str) -> str:
    """A value without the stored upload's separators (tab, line breaks). Not ``_copy_text``,
    which also drops backslashes for PostgreSQL's ``COPY``: the stored value stays as typed."""
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def stored_lines(content: str) -> Iterator[str]:
    """The lines of a stored upload (``prepare``), the header first, each a line of the tab
    format. Iterated lazily (a million-line upload is one string already). An upload stored as
    CSV by an earlier version is read as CSV and each row joined as ``prepare`` joins one."""
    tabbed = STORED_SEPARATOR in content[: content.find("\n")]
    if tabbed:
        return iter(io.StringIO(content))
    return (
        STORED_SEPARATOR.join([_plain(value) for value in row]) + "\n"
        for row in csv.reader(io.StringIO(content))
    )


def stored_values(line: str) -> list[str]:
    """The values of one stored line (``stored_lines``)."""
    return line.rstrip("\n").split(STORED_SEPARATOR)


def documented_columns(source: str) -> dict[str, str]:
    return {name: headers[0] for name, headers in MAPPINGS[source].items()}


# Hex digits 0-9 become letters: a stored key never holds a digit run that the BSN guard
# (AGE-02) could mistake for a number.
_NO_DIGITS_BYTES = bytes.maketrans(b"0123456789", b"ghijklmnop")


def hash_ref(value: str) -> str:
    """The hash of a source record's id in the stored upload: 32 letters, never the export's
    own id."""
    digest = hashlib.blake2b(value.encode(), digest_size=16).hexdigest()
    return digest.encode().translate(_NO_DIGITS_BYTES).decode()


def record_key(school_id: int, source: str, ref: str) -> str:
    """``AbsenceRecord.record_key`` of a source record, as 32 hex digits: the first 16 bytes of
    SHA-256 over the school, the source and ``ref`` (its ``hash_ref``). One key alone in its
    unique index instead of (school, source, ref): see the model. Migration
    ``attendance/0005`` computes the same in SQL for records stored before it."""
    return hashlib.sha256(f"{school_id}|{source}|{ref}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Prepared:
    content: str
    total_lines: int
    ignored_columns: list[str]
    column_labels: dict[str, str]


def _prepare_text(lines: Iterator[str], source: str) -> Prepared:
    header_line = next(lines, "")
    if not header_line.strip():
        raise ValidationError(_("Het bestand is leeg."))
    reader = csv.reader(_chain(header_line, lines), delimiter=_detect_delimiter(header_line))
    headers = next(reader)
    mapping = MAPPINGS[source]
    lookup = {normalise_header(h): name for name, hs in mapping.items() for h in hs}
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    for position, header in enumerate(headers):
        clean = header.replace("\ufeff", "").strip()
        if is_bsn_header(header):
            ignored.append(clean)
            continue
        name = lookup.get(normalise_header(header))
        if name and name not in index:
            index[name] = position
            labels[name] = clean
    missing = [mapping[name][0] for name in REQUIRED if name not in index]
    if "kind" not in index and "authorised" not in index:
        missing.append(mapping["kind"][0])
    if not ({"hours", "lesson_from", "start_time"} & index.keys()):
        missing.append(mapping["hours"][0])
    if missing:
        raise ValidationError(
            _(
                "Deze kolommen ontbreken in het bestand: %(columns)s. Controleer of u de "
                "juiste bron (%(source)s) heeft gekozen; zie de handleiding voor de kolommen."
            )
            % {"columns": ", ".join(missing), "source": ImportSource(source).label}
        )
    present = [name for name in FIELDS if name in index]
    positions = [index[name] for name in present]
    checked = [name not in ("record_id", "date", "start_time", "end_time") for name in present]
    record_pos = present.index("record_id") if "record_id" in present else -1
    checked_at = [i for i, check in enumerate(checked) if check]
    bsn_cache: dict[str, bool] = {}
    out = io.StringIO()
    write = out.write
    separator = STORED_SEPARATOR
    write(separator.join([_LINE, _BSN, *present]) + "\n")
    separators = len(present) - 1  # in a line's values joined, when none holds one itself
    width = max(positions) + 1
    pick = itemgetter(*positions)  # at least two: source_key and date are required
    blake2b, to_letters = hashlib.blake2b, _NO_DIGITS_BYTES
    total = 0
    previous_end = reader.line_num
    # Straight-line loop (a million lines per upload): local names, no per-value function.
    for row in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if len(row) < width:
            if not any(cell.strip() for cell in row):
                continue
            row = row + [""] * (width - len(row))
        values = [value.strip() for value in pick(row)]
        if not any(values):
            continue
        total += 1
        if total > MAX_LINES:
            raise ValidationError(
                _("Het bestand heeft meer dan %(max)s regels.") % {"max": MAX_LINES}
            )
        flagged = ""
        for i in checked_at:
            value = values[i]
            if len(value) >= 8:
                hit = bsn_cache.get(value)
                if hit is None:
                    if len(bsn_cache) > 50_000:
                        bsn_cache.clear()
                    hit = bsn_cache[value] = bool(find_bsn_like(value))
                if hit:
                    flagged = f"{flagged} {present[i]}".strip()
                    values[i] = ""
        if record_pos >= 0 and values[record_pos]:
            # The export's own id is never stored: only its hash, the idempotency key
            # (hash_ref, inlined).
            values[record_pos] = (
                blake2b(values[record_pos].encode(), digest_size=16)
                .hexdigest()
                .encode()
                .translate(to_letters)
                .decode()
            )
        text = separator.join(values)
        if "\n" in text or "\r" in text or text.count(separator) != separators:
            text = separator.join([_plain(value) for value in values])
        write(f"{line}{separator}{flagged}{separator}{text}\n")
    return Prepared(out.getvalue(), total, ignored, labels)


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def prepare(file: IO[bytes], source: str) -> Prepared:
    """Read an uploaded export into a sanitised copy without any BSN (AGE-02)."""
    if source not in MAPPINGS:
        raise ValidationError({"source": _("Kies een bekend bronsysteem.")})
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


def store_content(run: AbsenceImport, content: str) -> None:
    """Stores the sanitised upload of ``run`` until it is processed.

    On PostgreSQL the text (70 MB for a million lines) goes as a bound parameter: Django's
    client-side binding would quote it into the statement, which the server then parses,
    about three times as slow (docs/performance.md, session 6)."""
    run.content = content
    if connection.vendor != "postgresql":
        run.save(update_fields=["content"])
        return
    import psycopg

    connection.ensure_connection()
    table = AbsenceImport._meta.db_table
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"UPDATE {table} SET content = %s WHERE id = %s",  # noqa: S608 — constant identifier
            [content, run.pk],
        )


# --- parsing ------------------------------------------------------------------------------


class _Rejected(Exception):
    pass


def parse_date(raw: str) -> dt.date | None:
    value = raw.split(" ")[0].split("T")[0]
    try:
        if len(value) == 10 and value[4] == "-":
            return dt.date(int(value[:4]), int(value[5:7]), int(value[8:10]))
        parts = value.replace("/", "-").split("-")
        if len(parts) == 3 and len(parts[2]) == 4:
            return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None
    return None


def parse_time(raw: str) -> dt.time | None:
    value = raw.replace(".", ":").strip()
    parts = value.split(":")
    try:
        if len(parts) in (2, 3):
            return dt.time(int(parts[0]), int(parts[1]))
    except ValueError:
        return None
    return None


def parse_hours(raw: str) -> int | None:
    """Hours as a number (``1,5`` or ``1.5``) in hundredths, or None."""
    try:
        value = Decimal(raw.replace(",", "."))
    except ArithmeticError:
        return None
    if not value.is_finite():
        return None
    return int((value * 100).to_integral_value())


class Parsed(NamedTuple):
    line: int
    pupil_id: int
    # The record's key (``record_key``: 32 hex digits), unique per school and source.
    ref: str
    date: dt.date
    start: dt.time | None
    end: dt.time | None
    centi_hours: int
    kind: str
    reason: str
    # The line's COPY columns after pupil and key (date … reason_code), computed once per
    # distinct combination by LineParser; empty when built by hand.
    copy_tail: str = ""

    @property
    def hours(self) -> Decimal:
        return Decimal(self.centi_hours) / 100


def _centi_text(centi: int) -> str:
    return f"{centi // 100}.{centi % 100:02d}"


class LineParser:
    """Parses sanitised lines with cached lookups (dates, kinds and hours repeat a lot)."""

    def __init__(
        self,
        header: list[str],
        labels: dict[str, str],
        pupils: dict[str, int],
        *,
        school_id: int,
        source: str,
        counts_lessons: bool,
        today: dt.date,
    ) -> None:
        self.pos = {name: i for i, name in enumerate(header)}
        self.key_prefix = f"{school_id}|{source}|"
        self.labels = labels
        self.pupils = pupils
        self.counts_lessons = counts_lessons
        self.today = today
        self.oldest = dt.date(today.year - OLDEST_YEARS, 1, 1)
        self.dates: dict[str, dt.date | None] = {}
        self.times: dict[str, dt.time | None] = {}
        self.hours: dict[str, int | None] = {}
        self.kinds: dict[tuple[str, str], str | None] = {}

    def label(self, name: str) -> str:
        return self.labels.get(name) or name

    def _col(self, name: str) -> Callable[[list[str]], str]:
        i = self.pos.get(name)
        if i is None:
            return lambda row: ""
        return lambda row: row[i]

    def parser(self) -> Callable[[str], Parsed]:
        """The per-line function, for one line of the stored upload (``stored_lines``).

        Everything after the pupil number and record id (date, times, hours, kind, reason)
        repeats a lot, so its outcome (values or the reason for rejection) is computed once
        per distinct combination; per line remain the pupil lookup and the key. The stored
        columns are the line number, the BSN mark, the pupil number and record id, then those
        (``prepare`` writes them in ``FIELDS`` order): the line is split only up to them and
        the rest of it, one string, is the combination's key (issue 10: the ``csv`` module's
        split and a key of a tuple of values took a third of the parse)."""
        heads = len([name for name in self.pos if name not in _TAIL_FIELDS])
        if any(name in _TAIL_FIELDS for name in list(self.pos)[:heads]):
            raise ValueError("stored upload: the columns are not in FIELDS order")
        key_at = self.pos["source_key"]
        rec_at = self.pos.get("record_id")
        separator = STORED_SEPARATOR
        tails: dict[str, _Tail | str] = {}
        tail = self._tail
        pupils, label = self.pupils, self.label
        bsn_msg = _(
            "Kolom %(columns)s lijkt een BSN of onderwijsnummer te bevatten. Het "
            "samenwerkingsverband mag geen BSN verwerken; de regel is niet "
            "geïmporteerd (AGE-02)."
        )
        empty_msg = _("Kolom '%(column)s' is verplicht maar leeg.") % {
            "column": label("source_key")
        }
        unknown_msg = _(
            "Het leerlingnummer in kolom '%(column)s' hoort niet bij een leerling van "
            "deze school in Passend. Importeer eerst de leerlingen."
        ) % {"column": label("source_key")}
        blake2b, to_letters = hashlib.blake2b, _NO_DIGITS_BYTES
        # SHA-256 of the key's constant prefix, copied per line: the prefix is hashed once
        keyed = hashlib.sha256(self.key_prefix.encode())
        make = tuple.__new__  # Parsed without its Python-level __new__ (a million lines)

        def parse(text: str) -> Parsed:
            values = text.split(separator, heads)
            line = int(values[0])
            if values[1]:
                columns = ", ".join(f"'{label(n)}'" for n in values[1].split())
                raise _Rejected(bsn_msg % {"columns": columns})
            key = values[key_at]
            if not key:
                raise _Rejected(empty_msg)
            pupil_id = pupils.get(key)
            if pupil_id is None:
                raise _Rejected(unknown_msg)
            raw = values[heads]  # the combination, with the line's break if it has one
            done = tails.get(raw)
            if done is None:
                if len(tails) > 100_000:
                    tails.clear()
                done = tails[raw] = tail([*values[:heads], *stored_values(raw)])
            if isinstance(done, str):
                raise _Rejected(done)
            day, start, end, centi, kind, reason, ref_suffix, copy_tail = done
            # hash_ref(f"{key}|{date}|{start or first lesson}") when the export has no id,
            # inlined
            ref = (values[rec_at] if rec_at is not None else "") or (
                blake2b(f"{key}|{ref_suffix}".encode(), digest_size=16)
                .hexdigest()
                .encode()
                .translate(to_letters)
                .decode()
            )
            # record_key(school, source, ref), inlined
            digest = keyed.copy()
            digest.update(ref.encode())
            return make(
                Parsed,
                (
                    line,
                    pupil_id,
                    digest.hexdigest()[:32],
                    day,
                    start,
                    end,
                    centi,
                    kind,
                    reason,
                    copy_tail,
                ),
            )

        return parse

    def _tail(self, row: list[str]) -> _Tail | str:
        """Date, times, hours, kind and reason of a line, or why the line is rejected (in the
        order the checks have always run: date, times, hours, kind)."""
        get = self._col
        label = self.label
        raw_date = get("date")(row)
        day = parse_date(raw_date)
        if day is None:
            return _(
                "Kolom '%(column)s' bevat geen geldige datum (gebruik dd-mm-jjjj of jjjj-mm-dd)."
            ) % {"column": label("date")}
        if day > self.today or day < self.oldest:
            return _(
                "Kolom '%(column)s' bevat een datum in de toekomst of van meer dan %(n)s jaar geleden."
            ) % {"column": label("date"), "n": OLDEST_YEARS}
        time_msg = _("Kolom '%(column)s' bevat geen geldige tijd (gebruik uu:mm).")
        start = end = None
        raw_start, raw_end = get("start_time")(row), get("end_time")(row)
        if raw_start:
            start = parse_time(raw_start)
            if start is None:
                return time_msg % {"column": label("start_time")}
        if raw_end:
            end = parse_time(raw_end)
            if end is None:
                return time_msg % {"column": label("end_time")}
        raw_hours, raw_from = get("hours")(row), get("lesson_from")(row)
        centi: int | None
        if raw_hours:
            centi = parse_hours(raw_hours)
            if centi is None:
                return _("Kolom '%(column)s' bevat geen geldig aantal uren.") % {
                    "column": label("hours")
                }
        elif raw_from:
            raw_to = get("lesson_to")(row) or raw_from
            if not (raw_from.isdigit() and raw_to.isdigit()) or int(raw_to) < int(raw_from):
                return _("Kolom '%(column)s' bevat geen geldig lesuur.") % {
                    "column": label("lesson_from")
                }
            centi = (int(raw_to) - int(raw_from) + 1) * 100
        elif start is not None and end is not None:
            if self.counts_lessons:
                return _(
                    "In het voortgezet onderwijs telt verzuim in lesuren (ABS-01): vul "
                    "kolom '%(column)s' of de lesuren, niet alleen begin- en eindtijd."
                ) % {"column": self.labels.get("hours") or MAPPING_HOURS_HINT}
            minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            centi = round(minutes * 100 / 60)
        else:
            return _("De regel heeft geen uren, lesuren of begin- en eindtijd.")
        if centi <= 0 or centi > 2400:
            return _("Het aantal uren moet groter dan 0 en hooguit 24 zijn.")
        kind = _kind(get("kind")(row).lower(), get("authorised")(row).lower())
        if kind is None:
            return _(
                "Kolom '%(column)s' bevat een onbekende soort verzuim; gebruik geoorloofd, "
                "ongeoorloofd, ziek of overig (of vul kolom Geoorloofd met Ja/Nee)."
            ) % {"column": label("kind") if "kind" in self.pos else label("authorised")}
        reason = get("reason_code")(row)[:40]
        iso = day.isoformat()
        copy_tail = (
            f"{iso}\t{start.isoformat() if start else NULL}\t{end.isoformat() if end else NULL}"
            f"\t{_centi_text(centi)}\t{kind}\t{_copy_text(reason)}"
        )
        return (day, start, end, centi, kind, reason, f"{iso}|{raw_start or raw_from}", copy_tail)


# The columns after the pupil number whose combination decides a line's values (LineParser).
_TAIL_FIELDS = (
    "date",
    "start_time",
    "end_time",
    "hours",
    "lesson_from",
    "lesson_to",
    "kind",
    "authorised",
    "reason_code",
)
NULL = "\\N"  # NULL in PostgreSQL COPY text
_Tail = tuple[dt.date, dt.time | None, dt.time | None, int, str, str, str, str]


MAPPING_HOURS_HINT = "Aantal lesuren"


def _kind(word: str, authorised: str) -> str | None:
    mapped = KIND_WORDS.get(word.strip())
    if mapped == AbsenceKind.SICK:
        return mapped
    if authorised in YES:
        return AbsenceKind.AUTHORISED
    if authorised in NO:
        return AbsenceKind.UNAUTHORISED
    return mapped


# --- writing ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    signals: int = 0
    rejected_lines: list[dict[str, Any]] = field(default_factory=list)
    affected_pupils: set[int] = field(default_factory=set)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejected_lines) < MAX_REJECTED_REPORTED:
            self.rejected_lines.append({"line": line, "reason": reason})


_STAGE = "attendance_absence_stage"
_COLUMNS = (
    "pupil_id",
    "record_key",
    "date",
    "start_time",
    "end_time",
    "hours",
    "kind",
    "reason_code",
)


def _copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", " ").replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return value


def copy_text(rows: list[Parsed], prefix: str = "") -> str:
    """The rows as PostgreSQL COPY text (tab separated, \\N for NULL), each line after
    ``prefix`` (the constant columns of a direct COPY)."""
    return "".join(
        [
            f"{prefix}{r.pupil_id}\t{r.ref}\t{r.copy_tail}\n"
            if r.copy_tail
            else f"{prefix}{r.pupil_id}\t{r.ref}\t{_copy_tail(r)}\n"
            for r in rows
        ]
    )


def _copy_tail(r: Parsed) -> str:
    start = r.start.isoformat() if r.start else NULL
    end = r.end.isoformat() if r.end else NULL
    return (
        f"{r.date.isoformat()}\t{start}\t{end}\t{_centi_text(r.centi_hours)}\t{r.kind}\t"
        f"{_copy_text(r.reason)}"
    )


# Constant columns of a direct COPY, written before each line's own columns. created_at and
# updated_at are left to the database's default (the COPY's statement time): two timestamps
# fewer to write and to parse per line (models.AbsenceRecord).
_DIRECT = ("school_id", "source", "import_run_id")


def direct_prefix(school_id: int, source: str, import_id: int | None) -> str:
    """The constant COPY columns (``_DIRECT``) of every line of a direct COPY."""
    return f"{school_id}\t{_copy_text(source)}\t{NULL if import_id is None else import_id}\t"


def _write_postgres(
    rows: list[Parsed],
    *,
    school_id: int,
    source: str,
    import_id: int | None,
    text: str | None,
    direct: bool = False,
) -> tuple[dict[int, tuple[int, int]], bool]:
    """One batch: per pupil (inserted, updated), and whether the direct COPY was used.

    ``direct`` (the school had no records of this source when the import started, so every
    line is new): ``COPY`` straight into the table (``text`` then starts each line with
    ``direct_prefix``), under a savepoint; if a record appeared after all (a unique
    violation), the batch falls back to the general path. Otherwise: COPY into a temporary
    table, then one upsert that only touches changed rows. Either way a fixed number of
    statements per batch, whatever its size.

    The import is idempotent, so a batch may commit asynchronously: after a crash the school
    imports the file again."""
    from psycopg import errors as pg_errors

    table = AbsenceRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        if direct:
            columns = ", ".join((*_DIRECT, *_COLUMNS))
            try:
                with (
                    transaction.atomic(),
                    cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                ):
                    copy.write(
                        text
                        if text is not None
                        else copy_text(rows, direct_prefix(school_id, source, import_id))
                    )
            except (IntegrityError, pg_errors.UniqueViolation):
                text = None  # records of this source appeared meanwhile: upsert instead
            else:
                counted = Counter(r.pupil_id for r in rows)
                return {pupil: (n, 0) for pupil, n in counted.items()}, True
        now = timezone.now()
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (pupil_id bigint, record_key uuid, "
            "date date, start_time time, end_time time, hours numeric(5,2), kind varchar(20), "
            "reason_code varchar(40)) ON COMMIT DELETE ROWS"
        )
        # Empty after every commit already; not when the batch runs inside an outer
        # transaction (a caller's atomic block, a test), where an earlier batch is still there.
        cursor.execute(f"DELETE FROM {_STAGE}")  # noqa: S608 — constant identifier
        with cursor.cursor.copy(f"COPY {_STAGE} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            copy.write(text if text is not None else copy_text(rows))
        compared = ", ".join(f"t.{c}" for c in _COLUMNS if c != "record_key")
        excluded = ", ".join(f"EXCLUDED.{c}" for c in _COLUMNS if c != "record_key")
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "record_key")
        cursor.execute(
            f"""
            WITH up AS (
                INSERT INTO {table} AS t (school_id, source, import_run_id, created_at,
                    updated_at, {", ".join(_COLUMNS)})
                SELECT %s, %s, %s, %s, %s, {", ".join(_COLUMNS)} FROM {_STAGE}
                ON CONFLICT (record_key) DO UPDATE SET {updates},
                    import_run_id = EXCLUDED.import_run_id, updated_at = EXCLUDED.updated_at
                WHERE ({compared}) IS DISTINCT FROM ({excluded})
                RETURNING (xmax = 0) AS inserted, pupil_id
            )
            SELECT pupil_id, count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
            FROM up GROUP BY pupil_id
            """,  # noqa: S608 — identifiers are constants of this module, values are parameters
            [school_id, source, import_id, now, now],
        )
        return {pupil: (ins, upd) for pupil, ins, upd in cursor.fetchall()}, False


_FIELDS_COMPARED = ("pupil_id", "date", "start_time", "end_time", "hours", "kind", "reason_code")


def _write_orm(
    rows: list[Parsed], *, school_id: int, source: str, import_id: int | None
) -> dict[int, tuple[int, int]]:
    existing = {
        r.record_key.hex: r
        for r in AbsenceRecord.objects.filter(
            school_id=school_id, source=source, record_key__in=[uuid.UUID(r.ref) for r in rows]
        )
    }
    now = timezone.now()
    new: list[Parsed] = []
    changed: list[AbsenceRecord] = []
    counts: dict[int, list[int]] = {}
    for r in rows:
        record = existing.get(r.ref)
        if record is None:
            new.append(r)
            counts.setdefault(r.pupil_id, [0, 0])[0] += 1
            continue
        values = {
            "pupil_id": r.pupil_id,
            "date": r.date,
            "start_time": r.start,
            "end_time": r.end,
            "hours": r.hours,
            "kind": r.kind,
            "reason_code": r.reason,
        }
        if any(getattr(record, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(record, k, v)
            record.import_run_id = import_id
            record.updated_at = now
            changed.append(record)
            counts.setdefault(r.pupil_id, [0, 0])[1] += 1
    _insert_new(new, school_id=school_id, source=source, import_id=import_id, now=now)
    AbsenceRecord.objects.bulk_update(
        changed, [*_FIELDS_COMPARED, "import_run", "updated_at"], batch_size=500
    )
    return {pupil: (c[0], c[1]) for pupil, c in counts.items()}


# The columns of a new record written by ``_insert_new``: those the same for the whole batch
# (a direct COPY's and the three that COPY leaves to their defaults), then the COPY's own: the
# line's pupil and key, then those of its combination (``LineParser``).
_NEW_CONSTANT = (*_DIRECT, "entered_by_id", "created_at", "updated_at")
_NEW_OWN, _NEW_COMBINATION = _COLUMNS[:2], _COLUMNS[2:]


def _insert_new(
    rows: list[Parsed], *, school_id: int, source: str, import_id: int | None, now: dt.datetime
) -> None:
    """Inserts new records (SQLite, and the ORM's path elsewhere) by one ``executemany``.

    Each value is prepared by its field as ``bulk_create`` would (``get_db_prep_save``), but
    the values the batch shares once per batch and those of a line's combination once per
    distinct combination: ``bulk_create`` prepared every value of every row and built model
    instances, three quarters of an import's time on SQLite (a profile of 100,000 lines,
    docs/performance.md, session 32)."""
    if not rows:
        return
    meta = AbsenceRecord._meta
    fields = {field.attname: field for field in meta.concrete_fields}
    names = (*_NEW_CONSTANT, *_NEW_OWN, *_NEW_COMBINATION)
    if sorted(names) != sorted(fields):
        raise RuntimeError("AbsenceRecord's columns changed: update importers._insert_new")

    def prepared(name: str, value: Any) -> Any:
        return fields[name].get_db_prep_save(value, connection)

    shared = (school_id, source, import_id, None, now, now)
    constant = tuple(prepared(n, v) for n, v in zip(_NEW_CONSTANT, shared, strict=True))
    pupil, key = fields["pupil_id"], fields["record_key"]
    combinations: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    pupils: dict[int, Any] = {}  # a pupil's id prepared once: a pupil has many lines
    values = []
    for r in rows:
        combination = (r.date, r.start, r.end, r.centi_hours, r.kind, r.reason)
        tail = combinations.get(combination)
        if tail is None:
            raw = (r.date, r.start, r.end, r.hours, r.kind, r.reason)
            tail = combinations[combination] = tuple(
                prepared(n, v) for n, v in zip(_NEW_COMBINATION, raw, strict=True)
            )
        pupil_id = pupils.get(r.pupil_id)
        if pupil_id is None:
            pupil_id = pupils[r.pupil_id] = pupil.get_db_prep_save(r.pupil_id, connection)
        own = (pupil_id, key.get_db_prep_save(uuid.UUID(r.ref), connection))
        values.append(constant + own + tail)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(fields[name].column)) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608 — the model's own names
            values,
        )


def write_rows(
    rows: list[Parsed],
    *,
    school_id: int,
    source: str,
    import_id: int | None,
    text: str | None = None,
) -> dict[int, tuple[int, int]]:
    """Writes one batch (upsert); per pupil (inserted, updated)."""
    return _write(rows, school_id=school_id, source=source, import_id=import_id, text=text)[0]


def _write(
    rows: list[Parsed],
    *,
    school_id: int,
    source: str,
    import_id: int | None,
    text: str | None = None,
    direct: bool = False,
) -> tuple[dict[int, tuple[int, int]], bool]:
    if not rows:
        return {}, direct
    if connection.vendor == "postgresql":
        return _write_postgres(
            rows, school_id=school_id, source=source, import_id=import_id, text=text, direct=direct
        )
    return _write_orm(rows, school_id=school_id, source=source, import_id=import_id), False


def log_pupils(
    context: AccessContext, pupil_ids: Iterable[int], *, action: str, reason: str = ""
) -> None:
    """One access-log entry per pupil whose absence was written (not per line)."""
    record_access_many(
        context,
        [
            LogItem(
                subject_pseudonym=subject_pseudonym("pupil", pupil_id),
                object_type="attendance.absencerecord",
                object_id=reason,
                data_categories=("absence",),
                legal_ground=LEGAL_GROUND,
            )
            for pupil_id in sorted(pupil_ids)
        ],
        action=action,
        activity=ACTIVITY,
    )


def school_pupil_numbers(school_id: int, source: str) -> dict[str, int]:
    """Pupil number -> pupil id for pupils imported by this school from this source."""
    return dict(
        Pupil.objects.filter(source_school_id=school_id, source_system=source).values_list(
            "source_key", "pk"
        )
    )


_by_ref = attrgetter("ref")


@dataclass
class _Batch:
    lines: int
    rows: list[Parsed]
    text: str | None
    direct: bool  # text carries the constant columns of a direct COPY


def _totals(per_pupil: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(inserted, updated) of a batch, from its counts per pupil."""
    return sum(c[0] for c in per_pupil.values()), sum(c[1] for c in per_pupil.values())


# Batches written at once on PostgreSQL: the cores of the machine the benchmark targets (two).
# A million-line first import's processing took 9.6 s on one connection and 8.2 s on two; in
# psql the same rows took 5.6-6.4 s on one, 3.5-4.4 s on two and 4.3-4.6 s on three
# connections (docs/performance.md, session 19).
WRITERS = 2


class _Writers:
    """Threads that write batches, each on a database connection of its own, which it closes
    when it stops. ``run`` hands them the batches in file order and reports each result in
    that order; at most one batch per writer is handed out and not yet reported, so memory
    stays bounded (those batches and the one being parsed)."""

    def __init__(self, count: int, write: Callable[[_Batch], dict[int, tuple[int, int]]]):
        self.write = write
        self.failed = threading.Event()
        self.jobs: queue.SimpleQueue[tuple[_Batch, Future[Any]] | None] = queue.SimpleQueue()
        self.threads = [
            threading.Thread(target=self._work, name=f"absence-writer-{n}", daemon=True)
            for n in range(count)
        ]

    def __enter__(self) -> _Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for _thread in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()

    def _work(self) -> None:
        try:
            while (job := self.jobs.get()) is not None:
                batch, future = job
                if self.failed.is_set():
                    future.cancel()  # a batch failed: none starts after it
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(self.write(batch))
                except BaseException as exc:
                    self.failed.set()
                    future.set_exception(exc)
        finally:
            connection.close()

    def run(
        self,
        batches: Iterator[_Batch],
        report: Callable[[_Batch, dict[int, tuple[int, int]]], None],
    ) -> None:
        waiting: deque[tuple[_Batch, Future[Any]]] = deque()
        try:
            for batch in batches:
                future: Future[Any] = Future()
                self.jobs.put((batch, future))
                waiting.append((batch, future))
                while len(waiting) > len(self.threads) or (waiting and waiting[0][1].done()):
                    done, written = waiting.popleft()
                    report(done, written.result())
            while waiting:
                done, written = waiting.popleft()
                report(done, written.result())
        finally:
            for _batch, future in waiting:
                future.cancel()


@contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the import parses.

    A million lines make millions of small tuples and lists, none part of a cycle; the
    collector scanned the batches still alive over and over (about 15 % of the parse, docs/
    performance.md, session 25). Reference counting frees them as before; the collector runs
    again afterwards, also after an error. Process-wide: another thread's cycles wait until
    then (an import's seconds), they are not lost."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def process(
    content: str,
    *,
    school: Any,
    source: str,
    labels: dict[str, str],
    context: AccessContext,
    import_run: AbsenceImport | None = None,
    today: dt.date | None = None,
    on_batch: Callable[[int, ImportResult], None] | None = None,
) -> ImportResult:
    """Parses and writes a sanitised import; each batch is one transaction.

    Parsing overlaps writing: on PostgreSQL ``WRITERS`` threads write batches at once, each
    on a connection of its own, while this thread parses the next (``_Writers``); elsewhere
    one thread parses the next batch while this one writes. Each batch writes one access-log
    entry for the batch (same transaction, no subject: the records carry the import id); when
    all batches are written, one entry per pupil whose absence was written or changed. Counts
    and progress are kept in the order of the file.
    """
    today = today or timezone.localdate()
    lines = stored_lines(content)
    header = stored_values(next(lines, ""))
    parse = LineParser(
        header,
        labels,
        school_pupil_numbers(school.pk, source),
        school_id=school.pk,
        source=source,
        counts_lessons=school.sector == Sector.VO,
        today=today,
    ).parser()
    result = ImportResult()
    seen: dict[int, int] = {}
    postgres = connection.vendor == "postgresql"
    size = BATCH_POSTGRES if postgres else BATCH_OTHER
    import_id = import_run.pk if import_run is not None else None
    reason = f"import={import_id};source={source}" if import_id else f"source={source}"
    duplicate = _("Deze verzuimregel staat ook op regel %(first)s; alleen die regel is gebruikt.")

    # A school's first import of this source only adds records: COPY them straight in. Asked
    # of the import runs, not of the records, whose two indexes lead with the key and the pupil
    # (a school without records would read the whole table: 0.4 s for 2 M records). Any earlier
    # run that got past waiting may have written records. Should records exist without such a
    # run, the direct COPY meets the unique key and the batch falls back to the upsert.
    earlier_runs = AbsenceImport.objects.filter(school_id=school.pk, source=source).exclude(
        status=ImportStatus.PENDING
    )
    if import_run is not None:
        earlier_runs = earlier_runs.exclude(pk=import_run.pk)
    direct = postgres and not earlier_runs.exists()

    def next_batch() -> _Batch | None:
        raw_lines = list(islice(lines, size))
        if not raw_lines:
            return None
        rows: list[Parsed] = []
        append = rows.append
        for raw in raw_lines:
            try:
                parsed = parse(raw)
            except _Rejected as rejected:
                result.reject(int(raw.split(STORED_SEPARATOR, 1)[0]), str(rejected))
                continue
            marker = hash(parsed.ref)
            first = seen.get(marker)
            if first is not None:
                result.reject(parsed.line, duplicate % {"first": first})
                continue
            seen[marker] = parsed.line
            append(parsed)
        # In key order, each batch's inserts into the key's unique index sweep it once instead
        # of landing on random pages (the keys are hashes): a first import of 1 M lines took
        # 12.7 s of COPY in pupil order (docs/performance.md).
        rows.sort(key=_by_ref)
        if not postgres:
            return _Batch(len(raw_lines), rows, None, False)
        with_prefix = direct
        prefix = direct_prefix(school.pk, source, import_id) if with_prefix else ""
        return _Batch(len(raw_lines), rows, copy_text(rows, prefix), with_prefix)

    def write_batch(batch: _Batch) -> dict[int, tuple[int, int]]:
        """One batch in one transaction, with its access-log entry; per pupil (inserted,
        updated). Runs on the writer threads too (each with a connection of its own)."""
        nonlocal direct
        with transaction.atomic():
            # A batch that met a record falls back to the upsert, and so do the batches
            # prepared after it. Writers may read ``direct`` while another lowers it: a batch
            # that still tries the direct COPY falls back itself if it meets a record.
            per_pupil, direct_used = _write(
                batch.rows,
                school_id=school.pk,
                source=source,
                import_id=import_id,
                # a batch prepared for the direct COPY after a fall-back is rebuilt
                text=batch.text if batch.direct == direct else None,
                direct=direct,
            )
            if direct and not direct_used:
                direct = False
            if per_pupil:
                inserted, updated = _totals(per_pupil)
                record_access(
                    context,
                    action="import_write",
                    activity=ACTIVITY,
                    object_type="attendance.absenceimport",
                    object_id=str(import_id or ""),
                    data_categories=("absence",),
                    legal_ground=LEGAL_GROUND,
                    reason=f"{reason};new={inserted};changed={updated};pupils={len(per_pupil)}",
                )
        return per_pupil

    def account(batch: _Batch, per_pupil: dict[int, tuple[int, int]]) -> None:
        inserted, updated = _totals(per_pupil)
        result.created += inserted
        result.updated += updated
        result.unchanged += len(batch.rows) - inserted - updated
        result.affected_pupils.update(per_pupil)
        if on_batch is not None:
            on_batch(batch.lines, result)

    # Each batch commits on its own, so on PostgreSQL WRITERS connections write batches at
    # once while this thread parses the next: PostgreSQL's work per batch (heap, the two
    # indexes) then runs on more than one core. Not inside a caller's transaction (a test's),
    # whose rows other connections cannot see; not on SQLite, which has one writer.
    if postgres and WRITERS > 1 and not connection.in_atomic_block:
        with _without_cycle_collector(), _Writers(WRITERS, write_batch) as writers:
            writers.run(iter(next_batch, None), account)
    else:
        # Parsing of the next batch runs in a worker thread while the database writes the
        # current one (psycopg releases the GIL while it waits).
        with _without_cycle_collector(), ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(next_batch)
            while (batch := pending.result()) is not None:
                pending = pool.submit(next_batch)
                account(batch, write_batch(batch))
    if result.affected_pupils:
        with transaction.atomic():
            log_pupils(context, result.affected_pupils, action="import_write", reason=reason)
    return result


def run_import(import_id: int) -> ImportResult | None:
    """Process one uploaded import; None if another worker already took it."""
    from passend.attendance import detection

    claimed = AbsenceImport.objects.filter(pk=import_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = AbsenceImport.objects.select_related(
        "school", "requested_by", "requested_membership__organisation"
    ).get(pk=import_id)
    context = AccessContext(
        user=run.requested_by,
        organisation_id=run.school_id,
        role=run.requested_role,
        trace_id=run.trace_id,
    )
    result = ImportResult()

    def progress(lines: int, current: ImportResult) -> None:
        run.processed_lines += lines
        _store_counts(run, current)
        run.save(update_fields=[*_COUNT_FIELDS, "processed_lines"])

    try:
        result = process(
            run.content,
            school=run.school,
            source=run.source,
            labels=dict(run.column_labels),
            context=context,
            import_run=run,
            on_batch=progress,
        )
        run.status = ImportStatus.DETECTING
        run.content = ""
        run.save(update_fields=["status", "content"])
        result.signals = detection.detect(
            run.school, result.affected_pupils, membership=run.requested_membership, context=context
        )
        run.status = ImportStatus.DONE
    except Exception as exc:
        run.status = ImportStatus.FAILED
        run.failure = _(
            "De import is afgebroken door een onverwachte fout. Wat al verwerkt was, blijft "
            "bewaard; u kunt het bestand opnieuw importeren."
        )
        # The exception type only: its message could quote a value from the file.
        logger.error("absence import %s failed: %s", import_id, type(exc).__name__)
        raise
    finally:
        run.content = ""
        run.finished_at = timezone.now()
        _store_counts(run, result)
        run.save()
    return result


_COUNT_FIELDS = [
    "created_count",
    "updated_count",
    "unchanged_count",
    "rejected_count",
    "rejected_lines",
    "signals_count",
]


def _store_counts(run: AbsenceImport, result: ImportResult) -> None:
    run.created_count = result.created
    run.updated_count = result.updated
    run.unchanged_count = result.unchanged
    run.rejected_count = result.rejected
    run.signals_count = result.signals
    run.rejected_lines = list(result.rejected_lines)
