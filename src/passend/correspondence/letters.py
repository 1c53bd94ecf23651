"""Letters as PDF (WeasyPrint) from the stored letter text: embedded CSS, no external resources."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from passend.correspondence.models import Letter


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError("letters load no external resources")


def render_letter_html(letter: Letter) -> str:
    paragraphs = [p.strip() for p in letter.body.split("\n\n") if p.strip()]
    with translation.override("nl"):
        return render_to_string(
            "correspondence/letters/letter.html", {"letter": letter, "paragraphs": paragraphs}
        )


def render_pdf(document_html: str) -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=document_html, url_fetcher=_no_fetch).write_pdf()
    assert pdf is not None  # noqa: S101 - write_pdf without a target returns bytes
    return bytes(pdf)


def render_letter_pdf(letter: Letter) -> bytes:
    return render_pdf(render_letter_html(letter))
