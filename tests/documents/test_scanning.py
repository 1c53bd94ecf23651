"""BSN/PGN detection in PDF, DOCX, ODT and TXT (AGE-02): every notation, elfproef, onderwijsnummer,
keyword confidence, masked context, scans."""

from __future__ import annotations

import pytest

from passend.bsn_guard import (
    CONFIDENCE_HIGH,
    CONFIDENCE_LOW,
    CONFIDENCE_MEDIUM,
    confidence,
    find_bsn_like,
)
from passend.documents.models import FileKind
from passend.documents.scanning import scan
from tests.documents import fixtures as f

KINDS = {
    FileKind.PDF: lambda text: f.pdf(f"Verslag van het gesprek\n{text}\nEinde"),
    FileKind.DOCX: lambda text: f.docx_file("Verslag van het gesprek", text, "Einde"),
    FileKind.ODT: lambda text: f.odt_file("Verslag van het gesprek", text, "Einde"),
    FileKind.TXT: lambda text: f"Verslag van het gesprek\n{text}\nEinde".encode(),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("notation", list(f.NOTATIONS))
def test_age_02_each_notation_is_found_in_each_format(kind: str, notation: str) -> None:
    data = KINDS[kind](f"Het nummer is {f.NOTATIONS[notation]} volgens de school.")
    findings = scan(kind, data).findings
    assert len(findings) == 1
    assert findings[0].kind == "bsn"


@pytest.mark.parametrize("kind", list(KINDS))
def test_age_02_eight_digits_padded_are_found(kind: str) -> None:
    findings = scan(kind, KINDS[kind](f"Nummer {f.padded_bsn()} uit de export")).findings
    assert [x.kind for x in findings] == ["bsn"]
    assert findings[0].confidence == CONFIDENCE_LOW


@pytest.mark.parametrize("kind", list(KINDS))
def test_age_02_numbers_failing_the_elfproef_are_not_flagged(kind: str) -> None:
    text = f"Dossiernummer {f.INVALID_BSN}, telefoon 06-12345678, IBAN NL91ABNA0417164300."
    assert scan(kind, KINDS[kind](text)).findings == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_age_02_onderwijsnummer_is_found(kind: str) -> None:
    findings = scan(kind, KINDS[kind](f"Onderwijsnummer {f.onderwijsnummer()}")).findings
    assert [x.kind for x in findings] == ["onderwijsnummer"]
    assert findings[0].confidence == CONFIDENCE_HIGH


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"BSN: {f.VALID_BSN}", CONFIDENCE_HIGH),
        (f"burgerservicenummer van de leerling is {f.VALID_BSN}", CONFIDENCE_HIGH),
        (f"{f.VALID_BSN} (sofinummer)", CONFIDENCE_HIGH),
        (f"PGN {f.VALID_BSN}", CONFIDENCE_HIGH),
        (f"Kenmerk {f.VALID_BSN}", CONFIDENCE_MEDIUM),
        (f"BSNummer-achtig woord ver weg {'x' * 60} {f.VALID_BSN}", CONFIDENCE_MEDIUM),
    ],
)
def test_age_02_keywords_nearby_raise_confidence(text: str, expected: str) -> None:
    match = find_bsn_like(text)[0]
    assert confidence(text, match) == expected


def test_age_02_context_masks_every_number_and_names_the_page() -> None:
    data = f.pdf("Niets", f"Leerling met BSN {f.VALID_BSN} en ook 1234.56.782 hier")
    findings = scan(FileKind.PDF, data).findings
    assert [x.page for x in findings] == [2, 2]
    for finding in findings:
        assert "782" not in finding.context
        assert "•••" in finding.context
        assert "Leerling" in finding.context or "hier" in finding.context


def test_age_02_docx_header_table_and_properties_are_searched() -> None:
    data = f.docx_file(
        "Gewone tekst",
        header=f"BSN {f.VALID_BSN}",
        table_cell="123 456 782",
        title=f"Dossier {f.VALID_BSN}",
    )
    findings = scan(FileKind.DOCX, data).findings
    assert len(findings) == 3
    assert {x.where for x in findings} == {"text", "metadata"}


def test_age_02_pdf_metadata_is_searched() -> None:
    data = f.pdf("Schone tekst", metadata={"title": f"Leerling {f.VALID_BSN}"})
    findings = scan(FileKind.PDF, data).findings
    assert [x.where for x in findings] == ["metadata"]


def test_age_02_pdf_without_text_layer_is_a_scan_to_confirm() -> None:
    result = scan(FileKind.PDF, f.scan_pdf())
    assert result.findings == []
    assert result.pages_without_text == [1]
    assert result.needs_confirmation


def test_age_02_images_need_confirmation_and_text_pdfs_do_not() -> None:
    assert scan(FileKind.PNG, f.png()).needs_confirmation
    assert scan(FileKind.JPEG, f.jpeg()).needs_confirmation
    assert not scan(FileKind.PDF, f.pdf("Alleen tekst")).needs_confirmation
