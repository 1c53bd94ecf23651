"""Pseudonymising minutes (CO-04): every known name of a case becomes the case pseudonym.

Known names: the pupil's first name, last name (with and without tussenvoegsel) and full name,
the guardians' names, and the extra names recorded on the case (siblings …). Matching is
case-insensitive, at word boundaries, and also catches possessives ("Sems", "Sem's") and
Dutch diminutives ("Semmetje", "Annatje", "Kimpje"), so that no declension leaks a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Possessive and diminutive endings, longest first; the last letter of a name may be doubled
# before a diminutive ("Sem" -> "Semmetje", "Bas" -> "Basje").
SUFFIXES = ("etje", "atje", "otje", "utje", "pje", "tje", "kje", "je", "'s", "\u2019s", "s", "ke")
_WORD = r"[^\W_]"


def name_variants(
    full_names: Iterable[tuple[str, str, str]], extra: Iterable[str] = ()
) -> set[str]:
    """All strings to replace, from (first, prefix, last) triples and free names."""
    variants: set[str] = set()
    for first, prefix, last in full_names:
        first, prefix, last = (first or "").strip(), (prefix or "").strip(), (last or "").strip()
        parts = [first, last, f"{prefix} {last}".strip(), f"{first} {last}".strip()]
        parts.append(" ".join(p for p in (first, prefix, last) if p))
        variants.update(p for p in parts if p)
        # Each word of a compound first or last name ("Anne-Fleur", "Jan Willem") on its own.
        for part in re.split(r"[\s-]+", f"{first} {last}"):
            if len(part) >= 2:
                variants.add(part)
    for name in extra:
        name = name.strip()
        if name:
            variants.add(name)
            variants.update(p for p in name.split() if len(p) >= 2)
    return {v for v in variants if len(v) >= 2}


def _pattern_for(variant: str) -> str:
    words = [re.escape(w) for w in variant.split()]
    body = r"\s+".join(words)
    last = re.escape(variant[-1])
    suffix = "|".join(re.escape(s) for s in SUFFIXES)
    return rf"{body}(?:{last}?(?:{suffix}))?"


def compile_names(variants: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(variants), key=lambda v: (-len(v), v.lower()))
    if not ordered:
        return None
    alternatives = "|".join(_pattern_for(v) for v in ordered)
    return re.compile(rf"(?<!{_WORD})(?:{alternatives})(?!{_WORD})", re.IGNORECASE)


def pseudonymise(text: str, variants: Iterable[str], pseudonym: str) -> str:
    pattern = compile_names(variants)
    if pattern is None:
        return text
    return pattern.sub(pseudonym, text)
