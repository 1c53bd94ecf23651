"""True redaction (AGE-02): after redaction the numbers cannot be extracted any more, by PyMuPDF or
independently by pypdf; the rest of the text stays."""

from __future__ import annotations

import io

import pymupdf
import pypdf
import pytest

from passend.bsn_guard import find_bsn_like
from passend.documents import redaction
from passend.documents.models import FileKind
from passend.documents.scanning import scan
from tests.documents import fixtures as f


def pypdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("notation", [*f.NOTATIONS.values(), "PADDED"])
def test_age_02_pdf_redaction_removes_the_text_itself(notation: str) -> None:
    number = f.padded_bsn() if notation == "PADDED" else notation
    original = f.pdf(
        f"Leerling Fenna, BSN {number}, groep 7.\nDossier {f.INVALID_BSN} blijft staan.",
        f"Tweede pagina: onderwijsnummer {f.onderwijsnummer()}.",
    )
    assert find_bsn_like(pypdf_text(original))

    result = redaction.redact(FileKind.PDF, original)

    assert result.kind == FileKind.PDF
    text = pypdf_text(result.data)
    assert find_bsn_like(text) == []
    assert number not in text and f.onderwijsnummer() not in text
    assert "Leerling Fenna" in text and "groep 7" in text
    assert f.INVALID_BSN in text  # not a BSN: untouched
    assert scan(FileKind.PDF, result.data).findings == []
    # Not a box drawn over text: the characters are gone from every page's content.
    with pymupdf.open(stream=result.data, filetype="pdf") as doc:
        words = [w[4] for page in doc for w in page.get_text("words")]
    assert not any(find_bsn_like(w) for w in words)


def test_age_02_pdf_redaction_clears_metadata() -> None:
    original = f.pdf("Tekst", metadata={"title": f"BSN {f.VALID_BSN}", "author": "IB"})
    result = redaction.redact(FileKind.PDF, original)
    metadata = pypdf.PdfReader(io.BytesIO(result.data)).metadata or {}
    assert not any(find_bsn_like(str(v)) for v in metadata.values())


@pytest.mark.parametrize("kind", [FileKind.DOCX, FileKind.ODT])
def test_age_02_docx_and_odt_become_a_redacted_pdf(kind: str) -> None:
    make = f.docx_file if kind == FileKind.DOCX else f.odt_file
    result = redaction.redact(kind, make("Verslag over Fenna", f"BSN: {f.VALID_BSN}", "Slot"))
    assert result.kind == FileKind.PDF
    text = pypdf_text(result.data)
    assert "Verslag over Fenna" in text and "Slot" in text
    assert find_bsn_like(text) == []
    assert "[BSN verwijderd]" in text


def test_age_02_txt_redaction_stays_text() -> None:
    result = redaction.redact(FileKind.TXT, b"Naam: Fenna\nBSN 1234.56.782\n")
    assert result.kind == FileKind.TXT
    assert result.data.decode() == "Naam: Fenna\nBSN [BSN verwijderd]\n"


def test_age_02_verification_refuses_a_result_that_still_holds_a_number() -> None:
    with pytest.raises(redaction.RedactionFailed):
        redaction.verify(redaction.Redacted(FileKind.PDF, f.pdf(f"BSN {f.VALID_BSN}")))
    with pytest.raises(redaction.RedactionFailed):
        redaction.redact(FileKind.PNG, f.png())
