"""passend.modelbase: a choice field's labels translated once per field and language (issue
10), with the same result as Django's own ``get_<field>_display``."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps
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


# --- from_db: an instance read from the database (issue 10, session 33) ----------------------


def _state(instance: models.Model) -> tuple[Any, ...]:
    return (instance._state.adding, instance._state.db, instance._state.fetch_mode)


def _fields_as_set(instance: models.Model) -> dict[str, Any]:
    return {k: v for k, v in instance.__dict__.items() if k != "_state"}


def _djangos_from_db(model: type[models.Model], *args: Any, **kwargs: Any) -> models.Model:
    return models.Model.from_db.__func__(model, *args, **kwargs)  # type: ignore[attr-defined]


def test_every_model_is_read_without_its_init_with_djangos_result() -> None:
    """For every model of the project, with all fields, with some deferred by name (``only``)
    and with some deferred positionally (``DEFERRED``): the same fields set to the same values,
    the same deferred fields and the same state as Django's ``from_db``, and ``__init__`` is not
    called (the test fails on Django's own path)."""
    from django.db.models.base import DEFERRED
    from django.db.models.fetch_modes import FETCH_PEERS

    compared = 0
    for model in _project_models():
        names = tuple(f.attname for f in model._meta.concrete_fields)
        values = [object() for _name in names]
        some = (names[0], *names[2::2])
        some_values = [values[names.index(name)] for name in some]
        positional = [
            v if name in some else DEFERRED for name, v in zip(names, values, strict=True)
        ]
        for args, kwargs in (
            (("default", names, values), {}),
            (("default", some, some_values), {}),
            (("default", some, positional), {}),
            (("other", names, values), {"fetch_mode": FETCH_PEERS}),
        ):
            expected = _djangos_from_db(model, *args, **kwargs)
            with mock.patch.object(models.Model, "__init__", side_effect=AssertionError):
                instance = model.from_db(*args, **kwargs)
            assert type(instance) is model
            assert _fields_as_set(instance) == _fields_as_set(expected), model
            assert instance.get_deferred_fields() == expected.get_deferred_fields(), model
            assert _state(instance) == _state(expected) == (False, args[0], _state(expected)[2])
            compared += 1
    assert compared > 300


@pytest.mark.django_db
def test_an_instance_read_from_the_database_behaves_as_djangos() -> None:
    from passend.accounts.models import Organisation, OrganisationKind

    organisation = Organisation.objects.create(name="De Regenboog", kind=OrganisationKind.OTHER)
    read = Organisation.objects.get(pk=organisation.pk)
    assert read == organisation and read.name == "De Regenboog"
    assert not read._state.adding and read._state.db == "default"
    light = Organisation.objects.only("pk").get(pk=organisation.pk)
    assert light.get_deferred_fields() >= {"name", "kind"}
    assert light.name == "De Regenboog"  # a deferred field is read when asked for
    read.name = "De Boomgaard"
    read.save()  # an update of the row, not a second row
    assert list(Organisation.objects.values_list("name", flat=True)) == ["De Boomgaard"]


def test_a_listener_to_the_init_signals_gets_djangos_own_path() -> None:
    from django.db.models.signals import post_init

    names = tuple(f.attname for f in Case._meta.concrete_fields)
    seen: list[Any] = []

    def listener(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(listener, sender=Case)
    try:
        instance = Case.from_db("default", names, [None] * len(names))
    finally:
        post_init.disconnect(listener, sender=Case)
    assert seen == [instance]


@isolate_apps("tests")
def test_a_model_whose_fields_do_more_when_set_gets_djangos_own_path() -> None:
    """A file field's descriptor wraps the value when set, and a model may have an ``__init__``
    of its own: for such models ``__init__`` is called as Django calls it."""

    class Attachment(PassendModel):
        file = models.FileField()

        class Meta:
            app_label = "tests"

    class Counted(PassendModel):
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "tests"

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.counted = True

    assert Counted.from_db("default", ("id", "name"), [1, "x"]).counted
    with (
        mock.patch.object(models.Model, "__init__", side_effect=AssertionError("__init__")),
        pytest.raises(AssertionError, match="__init__"),
    ):
        Attachment.from_db("default", ("id", "file"), [1, "a.pdf"])


# --- from_columns: an instance of a statement's columns (issue 10, session 50) ----------------


def test_every_model_is_made_of_some_columns_as_djangos_from_db_makes_it() -> None:
    """For every model of the project, with all its columns and with some (given in another
    order than the model's): the same fields set, the same deferred fields and the same state
    as Django's ``from_db`` of the same columns in field order, without ``__init__``."""
    compared = 0
    for model in _project_models():
        names = tuple(f.attname for f in model._meta.concrete_fields)
        values = [object() for _name in names]
        some = (names[0], *names[2::2])
        for attnames in (names, tuple(reversed(some))):
            given = [values[names.index(name)] for name in attnames]
            in_field_order = [name for name in names if name in attnames]
            expected = _djangos_from_db(
                model, "default", in_field_order, [values[names.index(n)] for n in in_field_order]
            )
            with mock.patch.object(models.Model, "__init__", side_effect=AssertionError):
                instance = model.from_columns("default", attnames, given)  # type: ignore[attr-defined]
            assert type(instance) is model
            assert _fields_as_set(instance) == _fields_as_set(expected), model
            assert instance.get_deferred_fields() == expected.get_deferred_fields(), model
            assert _state(instance) == _state(expected) == (False, "default", _state(expected)[2])
            compared += 1
    assert compared > 150


def test_columns_and_values_that_do_not_pair_up_are_refused() -> None:
    with pytest.raises(ValueError):
        Case.from_columns("default", ("id", "pseudonym"), [1])


def test_made_of_columns_a_listener_to_the_init_signals_gets_djangos_own_path() -> None:
    from django.db.models.signals import pre_init

    seen: list[Any] = []

    def listener(sender: Any, args: Any, **kwargs: Any) -> None:
        seen.append(args)

    pre_init.connect(listener, sender=Case)
    try:
        instance = Case.from_columns("default", ("pseudonym", "id"), ["T-1", 7])
    finally:
        pre_init.disconnect(listener, sender=Case)
    assert len(seen) == 1  # Django's __init__ ran and sent the signal
    assert (instance.pk, instance.pseudonym) == (7, "T-1")
    assert "title" in instance.get_deferred_fields()


@isolate_apps("tests")
def test_made_of_columns_a_model_whose_fields_do_more_gets_djangos_own_path() -> None:
    class Attachment(PassendModel):
        file = models.FileField()

        class Meta:
            app_label = "tests"

    with (
        mock.patch.object(models.Model, "__init__", side_effect=AssertionError("__init__")),
        pytest.raises(AssertionError, match="__init__"),
    ):
        Attachment.from_columns("default", ("file", "id"), ["a.pdf", 1])


def test_a_model_not_of_the_project_is_made_by_djangos_from_db() -> None:
    from django.contrib.auth.models import Group

    from passend.modelbase import model_from_columns

    group = model_from_columns(Group)("default", ("name", "id"), ["beheer", 3])
    assert type(group) is Group
    assert (group.pk, group.name) == (3, "beheer")
    assert not group._state.adding and group._state.db == "default"
