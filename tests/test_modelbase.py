"""passend.modelbase: a choice field's labels translated once per field and language (issue
10), with the same result as Django's own ``get_<field>_display``."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from passend.cases.models import Case, CaseKind
from passend.modelbase import PassendModel, choice_labels


def _project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("passend.")]


def test_every_model_of_the_project_derives_from_the_base() -> None:
    project = _project_models()
    assert len(project) > 80
    assert [m.__name__ for m in project if not issubclass(m, PassendModel)] == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_choice_label_is_djangos_own_in_the_active_language(language: str) -> None:
    compared = 0
    with translation.override(language):
        for model in _project_models():
            for field in model._meta.concrete_fields:
                if not field.choices or field.name.endswith("_ptr"):
                    continue
                display = getattr(model, f"get_{field.name}_display")
                values: list[Any] = [value for value, _label in field.flatchoices]
                for value in [*values, "geen-keuze", None]:
                    instance = model()
                    setattr(instance, field.attname, value)
                    expected = models.Model._get_FIELD_display(instance, field)
                    assert display(instance) == expected, (model, field.name, value)
                    assert type(display(instance)) is type(expected)  # str, not lazy
                    compared += 1
    assert compared > 300


def test_labels_differ_by_language_and_are_translated_once() -> None:
    case = Case(kind=CaseKind.TLV)
    choice_labels.cache_clear()
    with mock.patch.object(
        translation._trans, "gettext", wraps=translation._trans.gettext
    ) as gettext:
        with translation.override("en"):
            english = case.get_kind_display()
            first = gettext.call_count
            assert case.get_kind_display() == english
            assert gettext.call_count == first  # the second label is not translated again
        with translation.override("nl"):
            dutch = case.get_kind_display()
    assert first >= len(CaseKind.choices)  # the field's labels, once
    assert dutch == str(CaseKind.TLV.label)
    with translation.override("en"):
        assert english == str(CaseKind.TLV.label)
    assert english != dutch
