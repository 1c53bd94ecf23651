"""Letters of the TLV procedure as PDF (WeasyPrint), Dutch, without external resources.

A letter row records that (and when) a letter was issued; the PDF is rendered from the
current rows on request, so no copy of personal data sits in a file store.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from passend.tlv.models import Letter, Tlv


def euro(amount: Decimal | None) -> str:
    """'€ 8.682,52' (DESIGN.md conventions)."""
    if amount is None:
        return ""
    whole, _dot, cents = f"{amount:,.2f}".partition(".")
    return f"€ {whole.replace(',', '.')},{cents}"


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError("letters load no external resources")


def letter_context(letter: Letter) -> dict[str, Any]:
    from passend.tlv.services import funding_for

    application = letter.application
    case = application.case
    decision = getattr(application, "decision", None)
    tlv: Tlv | None = getattr(decision, "tlv", None) if decision is not None else None
    funding = funding_for(tlv.category, tlv.start_date) if tlv is not None else None
    safety_net = getattr(decision, "safety_net", None) if decision is not None else None
    return {
        "letter": letter,
        "application": application,
        "case": case,
        "pupil": case.pupil,
        "decision": decision,
        "tlv": tlv,
        "funding": funding,
        "personnel": euro(funding.personnel) if funding else "",
        "material": euro(funding.material) if funding else "",
        "safety_net": safety_net,
        "advice": getattr(application, "advice", None),
    }


def render_letter_html(letter: Letter) -> str:
    with translation.override("nl"):
        return render_to_string(f"tlv/letters/{letter.kind}.html", letter_context(letter))


def render_letter_pdf(letter: Letter) -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=render_letter_html(letter), url_fetcher=_no_fetch).write_pdf()
    assert pdf is not None  # noqa: S101 - write_pdf without a target returns bytes
    return bytes(pdf)
