"""True redaction of BSN-like numbers (AGE-02): the numbers are gone, not hidden.

PDF: each number's characters are located on the page (PyMuPDF ``rawdict``), covered by a
redaction annotation and removed from the content stream with ``apply_redactions``; metadata
and XMP are cleared, bookmarks, annotations and form fields with a number are cleaned, and the
file is rewritten without unused objects (``garbage=4``), so no old revision survives.
DOCX and ODT become a new PDF made from their text with every number replaced (a Word file
keeps text in too many places — tracked changes, fields, text boxes — to edit it safely).
TXT stays text, with every number replaced.

The result is checked before it is returned: its text is extracted again, by PyMuPDF and
independently by pypdf, and must hold no BSN-like number; otherwise ``RedactionFailed``.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from passend.bsn_guard import REDACTION, find_bsn_like, redact_bsn
from passend.documents.models import FileKind
from passend.documents.safety import decode_text
from passend.documents.scanning import scan, text_parts

if TYPE_CHECKING:
    import pymupdf


class RedactionFailed(Exception):
    pass


@dataclass(frozen=True)
class Redacted:
    kind: str
    data: bytes


def redact(kind: str, data: bytes) -> Redacted:
    if kind == FileKind.PDF:
        result = Redacted(FileKind.PDF, redact_pdf(data))
    elif kind == FileKind.TXT:
        result = Redacted(FileKind.TXT, redact_bsn(decode_text(data)).encode("utf-8"))
    elif kind in (FileKind.DOCX, FileKind.ODT):
        text = "\n\n".join(part.text for part in text_parts(kind, data))
        result = Redacted(FileKind.PDF, text_to_pdf(redact_bsn(text)))
    else:
        raise RedactionFailed("images cannot be redacted automatically")
    verify(result)
    return result


def verify(result: Redacted) -> None:
    """Re-extracts the text, with two independent extractors for PDFs: nothing may be found."""
    if scan(result.kind, result.data).findings:
        raise RedactionFailed("a number is still present (PyMuPDF)")
    if result.kind == FileKind.PDF and find_bsn_like(pypdf_text(result.data)):
        raise RedactionFailed("a number is still present (pypdf)")


def pypdf_text(data: bytes) -> str:
    import pypdf  # on first use: see scanning.pdf_parts

    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [page.extract_text() or "" for page in reader.pages]
    metadata = [str(v) for v in (reader.metadata or {}).values()]
    return "\n".join(pages + metadata)


def _page_chars(page: pymupdf.Page) -> tuple[str, list[pymupdf.Rect | None]]:
    """The page text and, per character, its box (None for the line breaks we insert)."""
    import pymupdf  # on first use: see scanning.pdf_parts

    chars: list[str] = []
    boxes: list[pymupdf.Rect | None] = []
    for block in page.get_text("rawdict")["blocks"]:
        if block.get("type") != 0:
            continue
        for line in block["lines"]:
            for span in line["spans"]:
                for char in span["chars"]:
                    chars.append(char["c"])
                    boxes.append(pymupdf.Rect(char["bbox"]))
            chars.append("\n")
            boxes.append(None)
    return "".join(chars), boxes


def redact_pdf(data: bytes) -> bytes:
    import pymupdf  # on first use: see scanning.pdf_parts

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        for page in doc:
            text, boxes = _page_chars(page)
            for match in find_bsn_like(text):
                for box in boxes[match.start : match.end]:
                    if box is not None:
                        page.add_redact_annot(box, fill=(0, 0, 0))
            for annot in list(page.annots()):
                info = " ".join(str(v) for v in annot.info.values())
                if find_bsn_like(info):
                    page.delete_annot(annot)
            for widget in page.widgets():
                value = str(widget.field_value or "")
                if find_bsn_like(value):
                    widget.field_value = redact_bsn(value, REDACTION)
                    widget.update()
            page.apply_redactions()
        toc = doc.get_toc(simple=True)
        if any(find_bsn_like(str(entry[1])) for entry in toc):
            doc.set_toc([[level, redact_bsn(str(title)), number] for level, title, number in toc])
        doc.set_metadata({})
        doc.del_xml_metadata()
        return doc.tobytes(garbage=4, deflate=True, clean=True)


def text_to_pdf(text: str) -> bytes:
    """A plain A4 PDF of ``text`` (the redacted version of a DOCX or ODT)."""
    body = "".join(f"<p>{html.escape(line) or '&nbsp;'}</p>" for line in text.splitlines())
    import pymupdf  # on first use: see scanning.pdf_parts

    story = pymupdf.Story(
        html=f"<body style='font-family: sans-serif; font-size: 10pt'>{body}</body>"
    )
    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    mediabox = pymupdf.paper_rect("a4")
    where = pymupdf.Rect(mediabox.x0 + 56, mediabox.y0 + 56, mediabox.x1 - 56, mediabox.y1 - 56)
    more = True
    while more:
        device = writer.begin_page(mediabox)
        more, _filled = story.place(where)
        story.draw(device)
        writer.end_page()
    writer.close()
    return buffer.getvalue()
