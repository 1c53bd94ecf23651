"""TLV-06 criteria and TLV-07 category mapping, as pure functions (no database).

The assessor ticks a checklist; this module decides, per cluster and type of disability,
which items are required and explains the result line by line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from passend.tlv.models import Disability

ZML_IQ_LIMIT = 70  # ZML needs an IQ below 70 (TLV-06)
ZML_IQ_NO_PROOF = 55  # below 55 limitation and inadequacy need not be shown
ZML_YOUNG_AGE = 8  # under 8 with IQ 55-70: an additional diagnosed disorder is needed

# TLV-07: cluster 3 ZML → 1, LZK → 1, LG → 2; cluster 4 → 1. LZ (chronic illness) is the same
# kind as LZK. SBO has no category.
CATEGORY_BY_DISABILITY: dict[str, int] = {
    Disability.ZML: 1,
    Disability.LZK: 1,
    Disability.LZ: 1,
    Disability.LG: 2,
    Disability.PSYCHIATRIC: 1,
}


@dataclass(frozen=True)
class Checklist:
    disorder_established: bool = False
    educational_limitation: bool = False
    care_insufficient: bool = False
    causal_link: bool = False


@dataclass
class CriteriaResult:
    met: bool
    lines: list[str] = field(default_factory=list)


def age_on(birth_date: date | None, on: date) -> int | None:
    if birth_date is None:
        return None
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def _tick(ok: bool, text: str) -> str:
    return ("✓ " if ok else "✗ ") + text


def evaluate(
    disability: str,
    checklist: Checklist,
    *,
    iq: int | None = None,
    age: int | None = None,
    additional_disorder: bool = False,
) -> CriteriaResult:
    """Applies TLV-06: all three main criteria, with the cluster-specific refinements."""
    lines: list[str] = []
    ok = True

    def need(condition: bool, text: str) -> None:
        nonlocal ok
        ok = ok and condition
        lines.append(_tick(condition, text))

    if disability == Disability.ZML:
        if iq is None:
            need(False, _("ZML: het IQ ontbreekt in de aanvraag (TLV-06)."))
            return CriteriaResult(False, lines)
        need(
            iq < ZML_IQ_LIMIT,
            _("ZML: IQ %(iq)d is lager dan 70 (TLV-06).") % {"iq": iq}
            if iq < ZML_IQ_LIMIT
            else _("ZML: IQ %(iq)d is niet lager dan 70 (TLV-06).") % {"iq": iq},
        )
        if iq < ZML_IQ_NO_PROOF:
            lines.append(
                _(
                    "IQ lager dan 55: de onderwijsbeperking en de ontoereikendheid van de zorg "
                    "hoeven niet te worden aangetoond (TLV-06)."
                )
            )
        elif iq < ZML_IQ_LIMIT:
            need(
                checklist.educational_limitation,
                _(
                    "IQ 55-70: onderwijsbeperking (zeer geringe sociale redzaamheid en zeer "
                    "geringe vorderingen) aangetoond (TLV-06)."
                ),
            )
            need(
                checklist.care_insufficient,
                _("IQ 55-70: ontoereikendheid van de zorg in het regulier onderwijs (TLV-06)."),
            )
            if age is not None and age < ZML_YOUNG_AGE:
                need(
                    additional_disorder,
                    _(
                        "Jonger dan 8 jaar met IQ 55-70: een gediagnosticeerde bijkomende "
                        "stoornis die het leren ernstig bemoeilijkt (TLV-06)."
                    ),
                )
        return CriteriaResult(ok, lines)

    if disability == Disability.PSYCHIATRIC:
        need(
            checklist.disorder_established, _("Vastgestelde psychiatrische problematiek (TLV-06).")
        )
        need(
            checklist.causal_link,
            _("Causaal verband tussen de problematiek en de onderwijsbeperking (TLV-06)."),
        )
        need(checklist.educational_limitation, _("Onderwijsbeperking aangetoond (TLV-06)."))
        need(
            checklist.care_insufficient,
            _("Ontoereikendheid van de zorg in het regulier onderwijs (TLV-06)."),
        )
        return CriteriaResult(ok, lines)

    if disability in (Disability.LZ, Disability.LZK, Disability.LG):
        need(
            checklist.disorder_established, _("Stoornis blijkt uit een medische diagnose (TLV-06).")
        )
        need(
            checklist.educational_limitation,
            _(
                "Onderwijsbeperking: leerachterstand, zeer geringe zelfredzaamheid of "
                "veelvuldig verzuim (TLV-06)."
            ),
        )
        need(
            checklist.care_insufficient,
            _("Ontoereikendheid van de zorg in het regulier onderwijs (TLV-06)."),
        )
        return CriteriaResult(ok, lines)

    # SBO and anything without a cluster: the three main criteria.
    need(checklist.disorder_established, _("Aard van de stoornis of beperking (TLV-06)."))
    need(checklist.educational_limitation, _("De onderwijsbeperking die daaruit volgt (TLV-06)."))
    need(
        checklist.care_insufficient,
        _("Ontoereikendheid van de zorg in het regulier onderwijs (TLV-06)."),
    )
    return CriteriaResult(ok, lines)


def proposed_category(disability: str) -> int | None:
    """TLV-07 mapping; None for SBO (no category)."""
    return CATEGORY_BY_DISABILITY.get(disability)


def school_year_of(day: date) -> str:
    """'2026-2027' for any day from 1 August 2026 up to 31 July 2027."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}-{first + 1}"


def tlv_end_date(start: date, school_years: int) -> date:
    """End of the TLV: 31 July, covering at least `school_years` full school years (TLV-11).

    A TLV starting in August covers that school year in full; one starting later runs to the
    end of the following school year(s).
    """
    if school_years < 1:
        raise ValueError("a TLV runs at least one school year")
    current_end_year = start.year + 1 if start.month >= 8 else start.year
    if start.month == 8:
        return date(current_end_year + school_years - 1, 7, 31)
    return date(current_end_year + school_years, 7, 31)
