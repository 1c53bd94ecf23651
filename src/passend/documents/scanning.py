"""BSN/PGN detection in documents (AGE-02): text extraction plus ``passend.bsn_guard``.

The detector is the BSN guard's (``find_bsn_like``: the usual notations, 8 digits padded,
onderwijsnummers, elfproef) with its keyword confidence; this module only finds the text.
PDF text comes from PyMuPDF per page, plus metadata, bookmarks and annotations; DOCX text from
every XML part of the package (body, tables, text boxes, headers, footers, notes, comments,
tracked deletions) and the core properties; ODT from content, styles and meta; TXT as it is.
A PDF page without a text layer that shows an image is reported: it may be a scan, which the
uploader must confirm holds no BSN. Images (JPEG, PNG) are scans by nature.

A finding never carries the number itself: its context is shown with every BSN-like number
masked.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from passend.bsn_guard import confidence, find_bsn_like
from passend.documents.models import FileKind
from passend.documents.safety import decode_text

CONTEXT_CHARS = 30
MASK = "•"
MAX_XML_PART = 20 * 1024 * 1024


class Unreadable(Exception):
    """The file passed the type checks but its text cannot be read reliably."""


@dataclass(frozen=True)
class TextPart:
    text: str
    page: int | None = None  # 1-based PDF page; None for other kinds and document-wide parts
    where: str = "text"  # text | metadata | bookmark | annotation


@dataclass(frozen=True)
class Finding:
    page: int | None
    where: str
    kind: str  # bsn | onderwijsnummer
    confidence: str  # high | medium | low
    context: str  # with every BSN-like number masked


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    pages_without_text: list[int] = field(default_factory=list)
    is_image: bool = False

    @property
    def needs_confirmation(self) -> bool:
        """A scan (no text layer) cannot be checked: the uploader must confirm (AGE-02)."""
        return self.is_image or bool(self.pages_without_text)


def mask(text: str) -> str:
    """``text`` with every BSN-like number's digits replaced by a mask character."""
    parts: list[str] = []
    last = 0
    for match in find_bsn_like(text):
        parts.append(text[last : match.start])
        parts.append(re.sub(r"[0-9]", MASK, text[match.start : match.end]))
        last = match.end
    parts.append(text[last:])
    return "".join(parts)


def _context(masked: str, start: int, end: int) -> str:
    # Cut from the text masked as a whole: a number cut in half at the edge stays masked.
    left = max(0, start - CONTEXT_CHARS)
    right = min(len(masked), end + CONTEXT_CHARS)
    snippet = " ".join(masked[left:right].split())
    return ("…" if left > 0 else "") + snippet + ("…" if right < len(masked) else "")


def find_in_parts(parts: Iterable[TextPart]) -> list[Finding]:
    findings = []
    for part in parts:
        masked = mask(part.text)
        for match in find_bsn_like(part.text):
            findings.append(
                Finding(
                    page=part.page,
                    where=part.where,
                    kind=match.kind,
                    confidence=confidence(part.text, match),
                    context=_context(masked, match.start, match.end),
                )
            )
    return findings


def scan(kind: str, data: bytes) -> ScanResult:
    """Extracts the text of an accepted upload and finds every BSN-like number in it."""
    if kind in (FileKind.JPEG, FileKind.PNG):
        return ScanResult(is_image=True)
    if kind == FileKind.PDF:
        parts, without_text = pdf_parts(data)
        return ScanResult(find_in_parts(parts), without_text)
    return ScanResult(find_in_parts(text_parts(kind, data)))


def text_parts(kind: str, data: bytes) -> list[TextPart]:
    if kind == FileKind.TXT:
        return [TextPart(decode_text(data))]
    if kind == FileKind.DOCX:
        return docx_parts(data)
    if kind == FileKind.ODT:
        return odt_parts(data)
    if kind == FileKind.PDF:
        return pdf_parts(data)[0]
    return []


# --- PDF -------------------------------------------------------------------------------------


def pdf_parts(data: bytes) -> tuple[list[TextPart], list[int]]:
    parts: list[TextPart] = []
    without_text: list[int] = []
    # Imported on first use: PyMuPDF, pypdf and python-docx (with lxml) add about 75 MB to
    # every web worker that only shows pages (issue 10: worker memory).
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        metadata = " \n".join(str(v) for v in (doc.metadata or {}).values() if v)
        if metadata:
            parts.append(TextPart(metadata, where="metadata"))
        bookmarks = "\n".join(str(entry[1]) for entry in doc.get_toc(simple=True))
        if bookmarks:
            parts.append(TextPart(bookmarks, where="bookmark"))
        for page in doc:
            number = page.number + 1
            text = page.get_text("text")
            parts.append(TextPart(text, page=number))
            if not text.strip() and page.get_images(full=False):
                without_text.append(number)
            notes = [
                " ".join(str(annot.info.get(key, "")) for key in ("title", "subject", "content"))
                for annot in page.annots()
            ]
            notes += [str(widget.field_value or "") for widget in page.widgets()]
            note_text = "\n".join(n for n in notes if n.strip())
            if note_text:
                parts.append(TextPart(note_text, page=number, where="annotation"))
    return parts, without_text


# --- DOCX ------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_parts(data: bytes) -> list[TextPart]:
    import docx  # on first use, like pymupdf above

    document = docx.Document(io.BytesIO(data))
    parts: list[TextPart] = []
    core = document.core_properties
    properties = " \n".join(
        str(v) for v in (core.title, core.subject, core.author, core.keywords, core.comments) if v
    )
    if properties:
        parts.append(TextPart(properties, where="metadata"))
    for part in document.part.package.iter_parts():
        if not str(part.content_type).endswith("+xml") or not str(part.partname).startswith(
            "/word/"
        ):
            continue
        root = _xml(part.blob)
        paragraphs = ["".join(_docx_text(p)) for p in root.iter(f"{_W}p")]
        text = "\n".join(p for p in paragraphs if p)
        if text:
            parts.append(TextPart(text))
    return parts


def _docx_text(paragraph: ET.Element) -> Iterable[str]:
    for element in paragraph.iter():
        if element.tag in (f"{_W}t", f"{_W}delText", f"{_W}instrText") and element.text:
            yield element.text
        elif element.tag == f"{_W}tab":
            yield "\t"
        elif element.tag in (f"{_W}br", f"{_W}cr"):
            yield "\n"


# --- ODT -------------------------------------------------------------------------------------

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def odt_parts(data: bytes) -> list[TextPart]:
    parts: list[TextPart] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for name in ("content.xml", "styles.xml", "meta.xml"):
            if name not in names:
                continue
            with archive.open(name) as handle:
                blob = handle.read(MAX_XML_PART + 1)
            root = _xml(blob)
            if name == "meta.xml":
                text = "\n".join(t.strip() for t in root.itertext() if t.strip())
                if text:
                    parts.append(TextPart(text, where="metadata"))
                continue
            blocks = [
                "".join(_odt_text(block))
                for block in root.iter()
                if block.tag in (f"{_TEXT}p", f"{_TEXT}h")
            ]
            text = "\n".join(b for b in blocks if b)
            if text:
                parts.append(TextPart(text))
    return parts


def _odt_text(element: ET.Element) -> Iterable[str]:
    if element.text:
        yield element.text
    for child in element:
        if child.tag == f"{_TEXT}s":
            yield " " * int(child.get(f"{_TEXT}c", "1") or 1)
        elif child.tag == f"{_TEXT}tab":
            yield "\t"
        elif child.tag == f"{_TEXT}line-break":
            yield "\n"
        elif child.tag in (f"{_TEXT}p", f"{_TEXT}h"):
            pass  # nested paragraphs (notes) are their own block
        else:
            yield from _odt_text(child)
        if child.tail:
            yield child.tail


def _xml(blob: bytes) -> ET.Element:
    # No DTDs: entity expansion ("billion laughs") and external entities are refused outright;
    # a part we cannot read could hide a BSN, so the whole file is refused.
    if len(blob) > MAX_XML_PART or b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
        raise Unreadable
    try:
        return ET.fromstring(blob)  # noqa: S314 - DTD-free, size-bounded
    except ET.ParseError as error:
        raise Unreadable from error
