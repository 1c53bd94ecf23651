"""AGE-02: the SWV may not process the BSN; the guard detects and blocks it."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st
from rest_framework import serializers

from passend.bsn_guard import (
    BSN_MESSAGE,
    BsnGuardFormMixin,
    BsnGuardSerializerMixin,
    ensure_no_bsn,
    find_bsn_like,
    redact_bsn,
    validate_no_bsn,
)
from tests.pupils.conftest import (
    VALID_BSN,
    VALID_BSN_8,
    VALID_ONDERWIJSNUMMER,
    bsn_from,
    onderwijsnummer_from,
)

EXPECTED_MESSAGE = (
    "Dit veld lijkt een BSN te bevatten. Het samenwerkingsverband mag geen BSN verwerken "
    "(AGE-02). Verwijder het nummer."
)


@pytest.mark.parametrize(
    "text",
    [
        "123456782",
        "1234.56.782",
        "1234 56 782",
        "123 456 782",
        "123.456.782",
        "123-456-782",
        "BSN: 123456782.",
        "leerling (bsn 1234.56.782) heeft",
        VALID_BSN_8,  # leading zero dropped by a spreadsheet
        "0" + VALID_BSN_8,
    ],
)
def test_age_02_each_notation_is_detected(text: str) -> None:
    (match,) = find_bsn_like(text)
    assert match.kind == "bsn"
    digits = "".join(c for c in text[match.start : match.end] if c.isdigit())
    assert digits.zfill(9) in (VALID_BSN, "0" + VALID_BSN_8)


@pytest.mark.parametrize(
    "text",
    [
        "123456789",  # fails the elfproef
        "1234.56.789",
        "123 456 789",
        "12345678",  # 012345678 fails the elfproef
        "1234567820",  # ten digits: part of a longer number
        "NL91ABNA0417164300",  # IBAN
        "06-12345672",  # mobile number with a dash
        "12-03-2010",  # a date
        "€ 1.123.456.782",  # an amount
        "",
    ],
)
def test_age_02_numbers_failing_the_elfproef_or_part_of_longer_numbers_are_not_flagged(
    text: str,
) -> None:
    assert find_bsn_like(text) == []


def test_age_02_onderwijsnummer_is_detected() -> None:
    for text in (VALID_ONDERWIJSNUMMER, "1012.22.331", "1012 22 331"):
        (match,) = find_bsn_like(text)
        assert match.kind == "onderwijsnummer"


DIGITS8 = st.text(alphabet="0123456789", min_size=8, max_size=8)
NOTATIONS = [
    lambda n: n,
    lambda n: f"{n[:4]}.{n[4:6]}.{n[6:]}",
    lambda n: f"{n[:3]} {n[3:6]} {n[6:]}",
    lambda n: f"{n[:3]}.{n[3:6]}.{n[6:]}",
]


@given(prefix=DIGITS8, notation=st.sampled_from(NOTATIONS), before=st.text(), after=st.text())
def test_age_02_any_valid_bsn_in_any_notation_inside_text_is_found(
    prefix: str, notation, before: str, after: str
) -> None:
    number = bsn_from(prefix)
    assume(number is not None and int(number) > 0)
    assert number is not None
    # separate from the surrounding text, as a typed number would be
    text = f"{before} {notation(number)} {after}"
    assert any(m.kind in ("bsn", "onderwijsnummer") for m in find_bsn_like(text))
    assert notation(number) not in redact_bsn(text) or notation(number) in before + after


@given(prefix=DIGITS8)
def test_age_02_nine_digits_failing_the_elfproef_are_never_flagged(prefix: str) -> None:
    valid = bsn_from(prefix)
    for last in "0123456789":
        number = prefix + last
        if number == valid:
            continue
        if prefix.startswith("10") and number == onderwijsnummer_from(prefix):
            continue
        assert find_bsn_like(f"nummer {number} hier") == []


@given(prefix=st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_age_02_any_valid_onderwijsnummer_is_found(prefix: str) -> None:
    number = onderwijsnummer_from("10" + prefix)
    assume(number is not None)
    assert [m.kind for m in find_bsn_like(f"onr {number}")] == ["onderwijsnummer"]


def test_age_02_match_repr_never_shows_the_number() -> None:
    (match,) = find_bsn_like(VALID_BSN)
    assert VALID_BSN not in repr(match)


def test_age_02_validator_message_is_the_dutch_rule_text() -> None:
    assert str(BSN_MESSAGE) == EXPECTED_MESSAGE
    with pytest.raises(ValidationError) as info:
        validate_no_bsn(f"Notitie met {VALID_BSN}")
    assert info.value.messages == [EXPECTED_MESSAGE]
    assert VALID_BSN not in str(info.value)
    validate_no_bsn("Gewone tekst met 123456789")  # no error


def test_age_02_ensure_no_bsn_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        ensure_no_bsn({"notes": "ok", "summary": f"zie {VALID_BSN}"})
    assert set(info.value.message_dict) == {"summary"}
    assert info.value.message_dict["summary"] == [EXPECTED_MESSAGE]


def test_age_02_redact_replaces_only_the_number() -> None:
    assert redact_bsn(f"BSN {VALID_BSN}, tel 0612345678") == "BSN [BSN verwijderd], tel 0612345678"


class NoteForm(BsnGuardFormMixin, forms.Form):
    title = forms.CharField()
    body = forms.CharField(widget=forms.Textarea)
    email = forms.EmailField(required=False)
    count = forms.IntegerField(required=False)
    reference = forms.CharField(required=False)
    bsn_guard_exempt = ("reference",)


def test_age_02_form_mixin_attaches_the_error_to_the_field() -> None:
    form = NoteForm({"title": "Gesprek", "body": f"BSN is {VALID_BSN}", "email": ""})
    assert not form.is_valid()
    assert form.errors == {"body": [EXPECTED_MESSAGE]}


def test_age_02_form_mixin_checks_every_text_field() -> None:
    form = NoteForm({"title": "1234.56.782", "body": "x", "email": f"{VALID_BSN}@school.nl"})
    assert not form.is_valid()
    assert set(form.errors) == {"title", "email"}


def test_age_02_form_mixin_accepts_clean_input_and_honours_exemptions() -> None:
    form = NoteForm({"title": "Gesprek", "body": "Niets bijzonders", "reference": VALID_BSN})
    assert form.is_valid(), form.errors


class NoteSerializer(BsnGuardSerializerMixin, serializers.Serializer):
    title = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    text = serializers.CharField(source="body", required=False)


def test_age_02_serializer_mixin_rejects_bsn_in_any_string_field() -> None:
    serializer = NoteSerializer(data={"title": "ok", "tags": ["a", VALID_BSN], "text": "x"})
    assert not serializer.is_valid()
    assert serializer.errors == {"tags": [EXPECTED_MESSAGE]}


def test_age_02_serializer_mixin_reports_under_the_field_name_not_the_source() -> None:
    serializer = NoteSerializer(data={"title": "ok", "text": f"bsn {VALID_BSN}"})
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["text"]


def test_age_02_serializer_mixin_accepts_clean_data() -> None:
    serializer = NoteSerializer(data={"title": "ok", "tags": ["a"], "text": "123456789"})
    assert serializer.is_valid(), serializer.errors
