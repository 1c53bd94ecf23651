"""AGE-02: one BSN validator on every text field of pupil and case data, on every path."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from passend.bsn_guard import validate_no_bsn

pytestmark = pytest.mark.django_db

VALID_BSN = "111222333"
GUARDED_APPS = ("pupils", "cases", "consent")
# Technical models whose text is not typed by a person or is checked before it is stored.
NOT_GUARDED = {"pupils.agepolicy", "pupils.pupilimport", "cases.phasedatapolicy"}


def text_fields() -> list[tuple[type[models.Model], Any]]:
    found = []
    for label in GUARDED_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label_lower in NOT_GUARDED:
                continue
            for field in model._meta.concrete_fields:
                if isinstance(field, models.CharField | models.TextField) and not field.choices:
                    found.append((model, field))
    return found


def test_age_02_every_text_field_carries_the_validator() -> None:
    fields = text_fields()
    assert len(fields) > 20
    missing = [
        f"{m._meta.label}.{f.name}" for m, f in fields if validate_no_bsn not in f.validators
    ]
    assert not missing, f"text fields without the BSN guard: {missing}"


def test_age_02_model_forms_refuse_a_bsn_in_every_text_field() -> None:
    for model, field in text_fields():
        form_class = forms.modelform_factory(model, fields=[field.name])
        value = (
            f"{VALID_BSN}@example.invalid"
            if isinstance(field, models.EmailField)
            else f"nr {VALID_BSN}"
        )
        form = form_class(data={field.name: value[: field.max_length or None]})
        assert not form.is_valid()
        assert "AGE-02" in str(form.errors[field.name]), f"{model._meta.label}.{field.name}"


def test_age_02_a_save_that_bypasses_forms_and_services_is_refused(region: dict[str, Any]) -> None:
    from passend.pupils.models import Pupil

    pupil = Pupil(first_name="Kees", last_name=f"Test {VALID_BSN}", birth_date="2012-01-01")
    with pytest.raises(ValidationError) as error:
        pupil.save()
    assert "last_name" in error.value.message_dict
    assert not Pupil.objects.exists()
