"""Test files generated in code: PDFs (PyMuPDF), DOCX (python-docx), ODT (zip + XML), and every
kind of upload that must be refused. No binary fixtures in the repository."""

from __future__ import annotations

import gzip
import io
import zipfile
from functools import cache
from xml.sax.saxutils import escape

import docx
import pymupdf
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import onderwijsnummer as stdnum_onderwijsnummer

VALID_BSN = "123456782"
INVALID_BSN = "123456789"  # fails the elfproef


@cache
def padded_bsn() -> str:
    """A valid BSN with a leading zero, written as 8 digits (a spreadsheet dropped the zero)."""
    for n in range(12_345_670, 99_999_999):
        candidate = f"{n:09d}"
        if stdnum_bsn.is_valid(candidate):
            return candidate[1:]
    raise AssertionError("no padded BSN")


@cache
def onderwijsnummer() -> str:
    for n in range(101_234_560, 109_999_999):
        if stdnum_onderwijsnummer.is_valid(str(n)):
            return str(n)
    raise AssertionError("no onderwijsnummer")


NOTATIONS = {
    "plain": VALID_BSN,
    "dots_4_2_3": "1234.56.782",
    "spaces_3_3_3": "123 456 782",
    "dots_3_3_3": "123.456.782",
}


def pdf(*pages: str, metadata: dict[str, str] | None = None) -> bytes:
    """A PDF with a text layer: one page per argument, lines split on newlines."""
    doc = pymupdf.open()
    for text in pages:
        page = doc.new_page()
        for i, line in enumerate(text.split("\n")):
            page.insert_text((72, 72 + 16 * i), line, fontsize=11)
    if metadata:
        doc.set_metadata(metadata)
    return doc.tobytes()


def png(width: int = 40, height: int = 30) -> bytes:
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, width, height), False)
    pix.clear_with(200)
    return pix.tobytes("png")


def jpeg() -> bytes:
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 30), False)
    pix.clear_with(120)
    return pix.tobytes("jpeg")


def scan_pdf() -> bytes:
    """A 'scan': one page that is only an image, no text layer."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image(pymupdf.Rect(72, 72, 472, 372), stream=png(400, 300))
    return doc.tobytes()


def docx_file(*paragraphs: str, header: str = "", table_cell: str = "", title: str = "") -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table_cell:
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "Gegevens"
        table.cell(0, 1).text = table_cell
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if title:
        document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_file(*paragraphs: str) -> bytes:
    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# --- Uploads that must be refused ---------------------------------------------------------------


def exe_as_pdf() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode"


def elf() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 100


def shell_script() -> bytes:
    return b"#!/bin/sh\nrm -rf /\n"


def pdf_with_javascript() -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Onschuldig ogende tekst")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", "<</S/JavaScript/JS(app.alert(1))>>")
    return doc.tobytes()


def pdf_with_launch_action() -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Tekst")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", "<</S/Launch/F(calc.exe)>>")
    return doc.tobytes()


def pdf_with_embedded_file() -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Zie bijlage")
    doc.embfile_add("bijlage.exe", b"MZ payload")
    return doc.tobytes()


def encrypted_pdf() -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Geheim")
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="a", owner_pw="b")


def docm() -> bytes:
    """A Word file with a VBA project (macro-enabled), renamed to .docx."""
    source = zipfile.ZipFile(io.BytesIO(docx_file("Hallo")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    b"application/vnd.ms-word.document.macroEnabled.main+xml",
                )
            archive.writestr(item, data)
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake vba")
    return buffer.getvalue()


def odt_with_macro() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(odt_file("Hallo")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            archive.writestr(item, source.read(item.filename))
        archive.writestr("Basic/Standard/Module1.xml", '<script>Shell("calc")</script>')
    return buffer.getvalue()


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(document.cookie)</script></svg>"
    )


def html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("verslag.pdf", pdf("Verslag"))
    return buffer.getvalue()


@cache
def zip_bomb() -> bytes:
    """A 'DOCX' whose document part unpacks to 300 MB of zeros (a few hundred KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(300):
                member.write(block)
    return buffer.getvalue()


def gzip_file() -> bytes:
    return gzip.compress(b"tekst" * 100)


def legacy_doc() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500


REFUSED = {
    "executable": exe_as_pdf,
    "elf": elf,
    "script": shell_script,
    "pdf_javascript": pdf_with_javascript,
    "pdf_launch": pdf_with_launch_action,
    "pdf_embedded_file": pdf_with_embedded_file,
    "pdf_encrypted": encrypted_pdf,
    "docm": docm,
    "odt_macro": odt_with_macro,
    "svg": svg,
    "html": html,
    "zip": zip_archive,
    "zip_bomb": zip_bomb,
    "gzip": gzip_file,
    "legacy_doc": legacy_doc,
}
# The refusal code each kind must get (what the access log records).
REFUSED_CODES = {
    "executable": "executable",
    "elf": "executable",
    "script": "executable",
    "pdf_javascript": "pdf_active_content",
    "pdf_launch": "pdf_active_content",
    "pdf_embedded_file": "pdf_active_content",
    "pdf_encrypted": "encrypted_pdf",
    "docm": "macro",
    "odt_macro": "macro",
    "svg": "svg",
    "html": "markup",
    "zip": "archive",
    "zip_bomb": "zip_bomb",
    "gzip": "archive",
    "legacy_doc": "legacy_office",
}
