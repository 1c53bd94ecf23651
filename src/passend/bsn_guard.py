"""BSN guard (AGE-02): the samenwerkingsverband may not process the BSN.

Everything Passend stores about pupils and cases is processed in an SWV context, so the guard
is always on: every free-text value that a professional types or a school exports is checked
before it is stored or shared.

What counts as "BSN-like"
    A run of 9 digits that passes the elfproef (``stdnum.nl.bsn``), also written with dots,
    spaces or dashes in the usual groupings (``123456782``, ``1234.56.782``, ``123 456 782``,
    ``123.456.782``), and 8 digits, which are a BSN whose leading zero was dropped (a
    spreadsheet does that). Onderwijsnummers (the school's substitute for a BSN: 9 digits
    starting with ``10``, elfproef remainder 5, ``stdnum.nl.onderwijsnummer``) are detected too.
    Digits that are part of a longer number (IBAN, phone number ``06-12345678``) are not.

How to use it
    * Django forms::

          from passend.bsn_guard import BsnGuardFormMixin

          class NoteForm(BsnGuardFormMixin, forms.Form): ...

      Every field whose cleaned value is text (CharField, EmailField, a TextField's textarea,
      …) is checked; an error is attached to the field itself. Exempt a field that can never
      hold free text with ``bsn_guard_exempt = ("field_name",)``.
    * DRF serializers::

          from passend.bsn_guard import BsnGuardSerializerMixin

          class NoteSerializer(BsnGuardSerializerMixin, serializers.ModelSerializer): ...

      Every string in the validated data (also inside lists and dicts) is checked; errors are
      keyed by the field name, as DRF does for its own validation.
    * Model fields: ``validators=[validate_no_bsn]`` (runs in ``full_clean`` and ModelForms).
    * Services: ``ensure_no_bsn({"field": value, ...}, labels)`` raises one
      ``ValidationError`` keyed by field for every offending value.
    * Documents and other long text: ``find_bsn_like(text)`` gives the positions to redact
      (``redact_bsn(text)`` does it); ``confidence(text, match)`` grades a hit ``high`` when a
      keyword (BSN, burgerservicenummer, sofinummer, PGN, onderwijsnummer) is near it, ``low``
      for a bare 8-digit run, ``medium`` otherwise (``passend.documents`` shows it).

The guard never echoes the number it found: not in the error, the log or ``repr`` of a match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import onderwijsnummer as stdnum_onderwijsnummer

BSN_MESSAGE = _(
    "Dit veld lijkt een BSN te bevatten. Het samenwerkingsverband mag geen BSN verwerken "
    "(AGE-02). Verwijder het nummer."
)
ONDERWIJSNUMMER_MESSAGE = _(
    "Dit veld lijkt een onderwijsnummer (de vervanger van het BSN) te bevatten. Het "
    "samenwerkingsverband mag geen BSN of onderwijsnummer verwerken (AGE-02). Verwijder het "
    "nummer."
)
REDACTION = "[BSN verwijderd]"

KIND_BSN = "bsn"
KIND_ONDERWIJSNUMMER = "onderwijsnummer"

# Only ASCII digits: [0-9], not \d (which also matches other scripts' digits).
_PATTERN = re.compile(
    r"""
    (?<![0-9])              # not the tail of a longer number
    (?<![0-9][.,\-])        # nor the continuation of one: 06-12345678, 1.123456782
    (?:
        [0-9]{9}
      | [0-9]{8}            # a BSN that lost its leading zero
      | [0-9]{4}(?P<s1>[ .\-])[0-9]{2}(?P=s1)[0-9]{3}     # 1234.56.782
      | [0-9]{3}(?P<s2>[ .\-])[0-9]{3}(?P=s2)[0-9]{3}     # 123 456 782, 123.456.782
    )
    (?![0-9])               # not the head of a longer number
    (?![.,\-][0-9])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Match:
    """Where a BSN-like number sits in a text. ``repr`` never shows the number."""

    start: int
    end: int
    kind: str
    number: str = field(repr=False)

    @property
    def message(self) -> Any:
        return ONDERWIJSNUMMER_MESSAGE if self.kind == KIND_ONDERWIJSNUMMER else BSN_MESSAGE


def _classify(candidate: str) -> str | None:
    digits = "".join(ch for ch in candidate if ch.isdigit()).zfill(9)
    if stdnum_onderwijsnummer.is_valid(digits):
        return KIND_ONDERWIJSNUMMER
    if stdnum_bsn.is_valid(digits):
        return KIND_BSN
    return None


def find_bsn_like(text: str | None) -> list[Match]:
    """All BSN-like numbers (AGE-02) in ``text``, in order of appearance."""
    if not text:
        return []
    found = []
    for m in _PATTERN.finditer(text):
        kind = _classify(m.group(0))
        if kind is not None:
            found.append(Match(m.start(), m.end(), kind, m.group(0)))
    return found


# --- Confidence (documents, issue 4) ----------------------------------------------------------
# Every match is a hit; a keyword nearby makes it certain, a bare 8-digit run is the weakest.
CONFIDENCE_HIGH = "high"
CONFIDENCE_MEDIUM = "medium"
CONFIDENCE_LOW = "low"
KEYWORD_WINDOW = 40  # characters on either side of the number

_KEYWORDS = re.compile(
    r"""
    (?<![a-z])
    (?:
        bsn
      | burger[\s\-]*service[\s\-]*n(?:umme)?r
      | sofi[\s\-]*n(?:umme)?r
      | pgn
      | persoons[\s\-]*gebonden[\s\-]*nummer
      | onderwijs[\s\-]*n(?:umme)?r
    )
    (?![a-z])
    """,
    re.IGNORECASE | re.VERBOSE,
)


def has_keyword_near(text: str, match: Match, window: int = KEYWORD_WINDOW) -> bool:
    """Is a keyword (BSN, burgerservicenummer, sofinummer, PGN, onderwijsnummer) near ``match``?"""
    before = text[max(0, match.start - window) : match.start]
    after = text[match.end : match.end + window]
    return bool(_KEYWORDS.search(before) or _KEYWORDS.search(after))


def confidence(text: str, match: Match) -> str:
    """How sure the hit is: ``high`` with a keyword nearby, ``low`` for a bare 8-digit run."""
    if has_keyword_near(text, match):
        return CONFIDENCE_HIGH
    digits = sum(ch.isdigit() for ch in match.number)
    return CONFIDENCE_LOW if digits == 8 else CONFIDENCE_MEDIUM


def contains_bsn(text: str | None) -> bool:
    return bool(find_bsn_like(text))


def redact_bsn(text: str, replacement: str = REDACTION) -> str:
    """``text`` with every BSN-like number replaced (for documents and extracted text)."""
    parts: list[str] = []
    last = 0
    for m in find_bsn_like(text):
        parts.extend((text[last : m.start], replacement))
        last = m.end
    parts.append(text[last:])
    return "".join(parts)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings(item)


def first_match(value: Any) -> Match | None:
    """The first BSN-like number in a string, or in any string inside a list or dict."""
    for text in _strings(value):
        matches = find_bsn_like(text)
        if matches:
            return matches[0]
    return None


def validate_no_bsn(value: Any) -> None:
    """Django validator: refuses a value holding a BSN or onderwijsnummer (AGE-02)."""
    match = first_match(value)
    if match is not None:
        raise ValidationError(match.message, code=match.kind)


def bsn_errors(values: Mapping[str, Any]) -> dict[str, ValidationError]:
    """Per field name, the error for each value that holds a BSN-like number."""
    errors = {}
    for name, value in values.items():
        match = first_match(value)
        if match is not None:
            errors[name] = ValidationError(match.message, code=match.kind)
    return errors


def ensure_no_bsn(values: Mapping[str, Any]) -> None:
    """For services: raise one ValidationError keyed by field if any value is BSN-like."""
    errors = bsn_errors(values)
    if errors:
        raise ValidationError(errors)


class BsnGuardFormMixin:
    """Runs the BSN guard on every text value of a Django form (AGE-02).

    Put it before the form base class: ``class F(BsnGuardFormMixin, forms.ModelForm)``.
    """

    bsn_guard_exempt: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        form: forms.BaseForm = self  # type: ignore[assignment]
        for name in list(form.fields):
            if name in self.bsn_guard_exempt or name not in cleaned:
                continue
            match = first_match(cleaned[name])
            if match is not None:
                form.add_error(name, ValidationError(match.message, code=match.kind))
        return cleaned


class BsnGuardSerializerMixin:
    """Runs the BSN guard on every string of a DRF serializer's validated data (AGE-02).

    Put it before the serializer base class:
    ``class S(BsnGuardSerializerMixin, serializers.ModelSerializer)``.
    """

    bsn_guard_exempt: tuple[str, ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        from rest_framework import serializers

        validated = super().to_internal_value(data)  # type: ignore[misc]
        # Validated data is keyed by ``source``; errors are reported under the field name.
        names = {
            (f.source if f.source and f.source != "*" else name): name
            for name, f in self.fields.items()  # type: ignore[attr-defined]
        }
        errors: dict[str, list[str]] = {}
        if isinstance(validated, Mapping):
            for key, value in validated.items():
                name = str(names.get(key, key))
                if name in self.bsn_guard_exempt:
                    continue
                match = first_match(value)
                if match is not None:
                    errors[name] = [str(match.message)]
        if errors:
            raise serializers.ValidationError(errors, code="bsn")
        return validated


# --- Data-layer net ---------------------------------------------------------------------------


def _guarded_fields(model: type[Any]) -> list[Any]:
    """The text fields a person or an export can fill. Fields the application fills itself
    (``editable=False``: trace ids, hashes, keys) are left out: a random hexadecimal value holds
    a run of digits that passes the elfproef often enough (a uuid's hex 1 in 70, a SHA-256
    1 in 35) to refuse a save at random, and never holds what somebody typed."""
    from django.db import models

    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.choices and f.editable
    ]


def _refuse_bsn_on_save(sender: type[Any], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # fixture loading
        return
    ensure_no_bsn({f.attname: getattr(instance, f.attname) for f in _guarded_fields(sender)})


def guard_models(*models_to_guard: type[Any]) -> None:
    """One validator on every text field of case and pupil data (AGE-02).

    Adds ``validate_no_bsn`` to each CharField/TextField (without choices), so ModelForms,
    the admin and DRF ModelSerializers refuse a BSN with the field's own message; and refuses
    any save that still carries one, whichever path it took. Call from ``AppConfig.ready``.
    """
    from django.db.models.signals import pre_save

    for model in models_to_guard:
        for model_field in _guarded_fields(model):
            if validate_no_bsn not in model_field.validators:
                model_field.validators.append(validate_no_bsn)
        pre_save.connect(
            _refuse_bsn_on_save, sender=model, dispatch_uid=f"bsn_guard:{model._meta.label}"
        )
