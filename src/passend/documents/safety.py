"""Safe uploads: what a file is, decided from its content, never from its name (issue 4).

Allowed: PDF, DOCX, ODT, TXT, JPEG, PNG. Refused, each with a Dutch reason: anything over the
size limit, executables (also renamed to .pdf), scripts and HTML, SVG, archives, zip bombs,
macro-enabled Office files, old binary Office files, PDFs with JavaScript, launch actions,
automatic actions or embedded files, encrypted or broken PDFs, and what the virus scanner
flags when one is configured. ``inspect_upload`` returns the kind or raises ``UploadRefused``.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from passend.documents import clamd
from passend.documents.models import FileKind

# Zip containers (DOCX, ODT): bounds that a real office document never reaches.
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100  # uncompressed / compressed, for the whole archive and per member
MAX_IMAGE_PIXELS = 100_000_000

DOCX_MAIN = "word/document.xml"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
MACRO_MARKERS = (b"macroEnabled", b"vbaProject", b"vbaData", b"ms-office.activeX")

# PDF names that run code or carry files. An /OpenAction that is only a destination (open at
# page 1) is harmless; an action dictionary there is refused unless it is a plain GoTo.
_PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|AA|XFA|SubmitForm|ImportData|GoToE)(?![A-Za-z0-9#])"
)
_PDF_OPEN_ACTION_DICT = re.compile(rb"/OpenAction\s*<<(.*?)>>", re.DOTALL)
_PDF_ACTION_TYPE = re.compile(rb"/S\s*/([A-Za-z]+)")

# Leading bytes of kinds we refuse outright.
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
    b"\x00asm",
)
_ARCHIVE_MAGIC = (
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",  # zstd
    b"MSCF",  # cab
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UploadRefused(Exception):
    """An upload that is not stored; ``message`` is Dutch, ``code`` goes into the access log."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Inspected:
    kind: str
    data: bytes


def max_bytes() -> int:
    return int(getattr(settings, "PASSEND_DOCUMENT_MAX_BYTES", 25 * 1024 * 1024))


def read_limited(stream: Any, declared_size: int | None) -> bytes:
    """Reads at most the size limit (plus one byte to notice more): never a whole huge upload."""
    limit = max_bytes()
    if declared_size is not None and declared_size > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    total = 0
    read = stream.read
    while True:
        chunk = read(min(1024 * 1024, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise too_large(limit)
    return b"".join(chunks)


def too_large(limit: int) -> UploadRefused:
    return UploadRefused(
        "too_large",
        _("Het bestand is groter dan %(mb)s MB. Verklein het of splits het op.")
        % {"mb": limit // (1024 * 1024)},
    )


def inspect_upload(data: bytes) -> Inspected:
    """The kind of an upload, from its content; raises ``UploadRefused`` with the reason."""
    if len(data) > max_bytes():
        raise too_large(max_bytes())
    if not data.strip():
        raise UploadRefused("empty", _("Het bestand is leeg."))
    kind = _sniff(data)
    if clamd.configured():
        try:
            found = clamd.scan(data)
        except clamd.ScannerUnavailable as error:
            raise UploadRefused(
                "scanner_unavailable",
                _(
                    "De virusscanner is nu niet bereikbaar. Het bestand is niet opgeslagen; "
                    "probeer het later opnieuw."
                ),
            ) from error
        if found is not None:
            raise UploadRefused(
                "virus", _("De virusscanner heeft in dit bestand schadelijke inhoud gevonden.")
            )
    return Inspected(kind, data)


def _sniff(data: bytes) -> str:
    head = data[:16]
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return FileKind.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_png(data)
        return FileKind.PNG
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _check_zip(data)
    if head.startswith(_EXECUTABLE_MAGIC):
        raise UploadRefused(
            "executable",
            _(
                "Dit is een uitvoerbaar bestand (programma of script). Dat kan niet worden geüpload."
            ),
        )
    if head.startswith(_OLE_MAGIC):
        raise UploadRefused(
            "legacy_office",
            _(
                "Oude Office-bestanden (.doc, .xls) kunnen macro's bevatten en worden niet "
                "geaccepteerd. Sla het document op als PDF of DOCX."
            ),
        )
    if head.startswith(_ARCHIVE_MAGIC) or data[257:262] == b"ustar":
        raise _archive()
    if b"%PDF-" in data[:1024]:
        # Real PDFs start with the header; something in front of it hides what the file is.
        raise UploadRefused(
            "disguised", _("Het bestand begint niet als een PDF: de inhoud is niet te vertrouwen.")
        )
    return _check_text(data)


def _archive() -> UploadRefused:
    return UploadRefused(
        "archive",
        _(
            "Archieven (zip, rar, 7z en dergelijke) worden niet geaccepteerd. Upload de "
            "documenten los als PDF, DOCX, ODT, TXT, JPEG of PNG."
        ),
    )


def _check_pdf(data: bytes) -> None:
    try:
        import pymupdf  # on first use: see scanning.pdf_parts

        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as error:  # MuPDF raises its own exception types
        raise UploadRefused(
            "broken_pdf", _("De PDF is beschadigd en kan niet worden gelezen.")
        ) from error
    with doc:
        if doc.needs_pass or doc.is_encrypted:
            raise UploadRefused(
                "encrypted_pdf",
                _(
                    "De PDF is met een wachtwoord beveiligd. Passend kan hem dan niet controleren "
                    "op een BSN (AGE-02). Upload een versie zonder wachtwoord."
                ),
            )
        if doc.page_count == 0:
            raise UploadRefused("broken_pdf", _("De PDF bevat geen pagina's."))
        if doc.embfile_count():
            raise _pdf_active()
        for xref in range(1, doc.xref_length()):
            try:
                source = doc.xref_object(xref, compressed=True).encode("latin-1", "replace")
            except Exception:  # noqa: S112 - a damaged object holds no readable action
                continue
            if _PDF_ACTIVE.search(source):
                raise _pdf_active()
            for action in _PDF_OPEN_ACTION_DICT.findall(source):
                kind = _PDF_ACTION_TYPE.search(action)
                if kind is not None and kind.group(1) != b"GoTo":
                    raise _pdf_active()


def _pdf_active() -> UploadRefused:
    return UploadRefused(
        "pdf_active_content",
        _(
            "De PDF bevat JavaScript, automatische acties of ingesloten bestanden. Zulke PDF's "
            "worden niet geaccepteerd. Druk het document opnieuw af naar PDF en upload dat."
        ),
    )


def _check_png(data: bytes) -> None:
    if len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        if width * height > MAX_IMAGE_PIXELS:
            raise UploadRefused("image_bomb", _("De afbeelding is te groot (te veel beeldpunten)."))


def _check_zip(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UploadRefused("broken_zip", _("Het bestand is beschadigd.")) from error
    with archive:
        if len(members) > MAX_ZIP_MEMBERS:
            raise _zip_bomb()
        total = sum(m.file_size for m in members)
        compressed = sum(m.compress_size for m in members) or 1
        if total > MAX_ZIP_UNCOMPRESSED or total / compressed > MAX_ZIP_RATIO:
            raise _zip_bomb()
        for member in members:
            if (
                member.file_size > 1024 * 1024
                and member.file_size / max(member.compress_size, 1) > MAX_ZIP_RATIO
            ):
                raise _zip_bomb()
            if member.filename.lower().endswith((".zip", ".jar", ".exe", ".dll", ".bin.zip")):
                raise _archive()
        names = {m.filename for m in members}
        if DOCX_MAIN in names and "[Content_Types].xml" in names:
            _check_docx(archive, names)
            return FileKind.DOCX
        if "mimetype" in names:
            mimetype = _read_member(archive, "mimetype", 200).strip()
            if mimetype == ODT_MIMETYPE:
                _check_odt(archive, names)
                return FileKind.ODT
        if "[Content_Types].xml" in names or "mimetype" in names:
            raise _unknown()  # another office format: a spreadsheet, a presentation, a template
        raise _archive()


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A member's bytes, decompressed to at most ``limit`` (the header's size may lie)."""
    try:
        with archive.open(name) as handle:
            content = handle.read(limit + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
    ) as e:
        # A damaged member (bad CRC, header and directory disagree, unknown compression):
        # found by fuzzing (issue 11, check 3); refused, never a server error.
        raise UploadRefused("broken_zip", _("Het bestand is beschadigd.")) from e
    if len(content) > limit:
        raise _zip_bomb()
    return content


def _zip_bomb() -> UploadRefused:
    return UploadRefused(
        "zip_bomb",
        _(
            "Het bestand pakt uit tot een onwaarschijnlijk grote omvang (een 'zip-bom') en "
            "wordt niet geaccepteerd."
        ),
    )


def _macro() -> UploadRefused:
    return UploadRefused(
        "macro",
        _(
            "Het document bevat macro's of ActiveX-onderdelen. Sla het op zonder macro's (als "
            "DOCX of PDF) en upload het opnieuw."
        ),
    )


def _check_docx(archive: zipfile.ZipFile, names: set[str]) -> None:
    lowered = {n.lower() for n in names}
    if any(n.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in n for n in lowered):
        raise _macro()
    content_types = _read_member(archive, "[Content_Types].xml", 1024 * 1024)
    if any(marker.lower() in content_types.lower() for marker in MACRO_MARKERS):
        raise _macro()


def _check_odt(archive: zipfile.ZipFile, names: set[str]) -> None:
    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
        raise _macro()
    if "META-INF/manifest.xml" in names:
        manifest = _read_member(archive, "META-INF/manifest.xml", 1024 * 1024)
        if b"Basic/" in manifest or b"Scripts/" in manifest or b"script" in manifest.lower():
            raise _macro()


_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_MARKUP = re.compile(rb"<\s*(svg|html|script|!doctype\s+html|\?xml)", re.IGNORECASE)


def _check_text(data: bytes) -> str:
    sample = data[:65536]
    if _MARKUP.search(sample[:4096]):
        if re.search(rb"<\s*svg", sample, re.IGNORECASE):
            raise UploadRefused(
                "svg",
                _(
                    "SVG-afbeeldingen kunnen scripts bevatten en worden niet geaccepteerd; gebruik PNG."
                ),
            )
        raise UploadRefused(
            "markup",
            _("HTML- en XML-bestanden worden niet geaccepteerd. Upload een PDF of tekstbestand."),
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            raise _unknown() from None
    if _CONTROL.search(data):
        raise _unknown()
    return FileKind.TXT


def _unknown() -> UploadRefused:
    return UploadRefused(
        "unknown_type",
        _(
            "Dit soort bestand wordt niet geaccepteerd. Toegestaan zijn PDF, Word (DOCX), "
            "OpenDocument (ODT), tekst (TXT), JPEG en PNG; de inhoud telt, niet de naam."
        ),
    )


def decode_text(data: bytes) -> str:
    """The text of an accepted TXT upload (UTF-8, with or without BOM, else Windows-1252)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")
