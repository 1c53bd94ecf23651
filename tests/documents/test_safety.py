"""Safe uploads: the kind comes from the content, never the name; every refused kind says why
in Dutch (issue 4, PRV-08)."""

from __future__ import annotations

from typing import Any

import pytest

from passend.documents import safety
from passend.documents.models import FileKind
from tests.documents import fixtures as f


@pytest.mark.parametrize("name", list(f.REFUSED))
def test_prv_08_refused_upload_kinds(name: str) -> None:
    with pytest.raises(safety.UploadRefused) as refused:
        safety.inspect_upload(f.REFUSED[name]())
    assert refused.value.code == f.REFUSED_CODES[name]
    assert refused.value.message  # Dutch, for the uploader


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda: f.pdf("Tekst"), FileKind.PDF),
        (lambda: f.docx_file("Tekst"), FileKind.DOCX),
        (lambda: f.odt_file("Tekst"), FileKind.ODT),
        (lambda: "Gewone tekst met é en ü".encode(), FileKind.TXT),
        (lambda: "Windows-tekst é".encode("cp1252"), FileKind.TXT),
        (f.png, FileKind.PNG),
        (f.jpeg, FileKind.JPEG),
        (f.scan_pdf, FileKind.PDF),
    ],
)
def test_allowed_kinds_are_recognised_by_content(make: Any, kind: str) -> None:
    assert safety.inspect_upload(make()).kind == kind


def test_pdf_opening_at_page_one_is_harmless() -> None:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Tekst")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", "<</S/GoTo/D[3 0 R/Fit]>>")
    assert safety.inspect_upload(doc.tobytes()).kind == FileKind.PDF


def test_prv_08_size_limit_is_configurable(settings: Any) -> None:
    settings.PASSEND_DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(safety.UploadRefused) as refused:
        safety.inspect_upload(b"a" * 2048)
    assert refused.value.code == "too_large"
    assert "groter dan" in refused.value.message


def test_prv_08_read_limited_stops_reading_past_the_limit(settings: Any) -> None:
    import io

    settings.PASSEND_DOCUMENT_MAX_BYTES = 1024
    stream = io.BytesIO(b"a" * 10_000)
    with pytest.raises(safety.UploadRefused):
        safety.read_limited(stream, None)
    assert stream.tell() <= 1025
    with pytest.raises(safety.UploadRefused):
        safety.read_limited(io.BytesIO(b""), 5000)  # declared size alone is enough


def test_empty_file_is_refused() -> None:
    with pytest.raises(safety.UploadRefused) as refused:
        safety.inspect_upload(b"  \n")
    assert refused.value.code == "empty"


def test_default_size_limit_is_25_mb() -> None:
    assert safety.max_bytes() == 25 * 1024 * 1024


def test_other_office_formats_are_not_taken_for_archives() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(safety.UploadRefused) as refused:
        safety.inspect_upload(buffer.getvalue())
    assert refused.value.code == "unknown_type"
