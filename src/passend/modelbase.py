"""The project's model base: every model of Passend derives from ``PassendModel``.

It changes how a choice field's label is looked up (``get_<field>_display``). Django's own
builds a dict of the field's choices on every call and hashes, so translates, every lazy label
of the field to do it: a case page asked for about 20 labels and translated about 150 (issue
10, session 17: 0.5 ms of the page's 7.4 ms of CPU). Here the labels of a field are translated
once per language and kept. The result is the same as Django's: the label in the active
language, or the value itself when it is not one of the choices.

And it makes an instance read from the database without ``Model.__init__`` (``from_db``), with
the same result as Django's, in about a third of the time.

Abstract and without fields, so migrations do not see it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models.base import DEFERRED, ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

if TYPE_CHECKING:
    from django.db.models.fetch_modes import FetchMode


@functools.cache
def choice_labels(field: models.Field[Any, Any], language: str | None) -> dict[Any, Any]:
    """A choice field's labels in ``language`` (the active one when called), by value.

    Choices are the model's own (enumerations in the code), so a field's labels in a language
    do not change while the process runs."""
    return {
        make_hashable(value): force_str(label, strings_only=True)
        for value, label in field.flatchoices
    }


@functools.cache
def _attnames(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


@functools.cache
def _plain_fields(model: type[models.Model]) -> bool:
    """Whether ``Model.__init__`` would do no more for this model than write each field's value
    into the instance's ``__dict__``: no ``__init__`` or ``__setattr__`` of its own, and every
    concrete field read through Django's plain descriptors (no ``__set__`` that does more, as a
    file field's)."""
    if model.__init__ is not models.Model.__init__ or model.__setattr__ is not object.__setattr__:
        return False
    plain = (DeferredAttribute, ForeignKeyDeferredAttribute)
    return all(
        type(getattr(model, field.attname, None)) in plain for field in model._meta.concrete_fields
    )


class PassendModel(models.Model):
    class Meta:
        abstract = True

    @classmethod
    def from_db(
        cls,
        db: str | None,
        field_names: Collection[str],
        values: Collection[Any],
        *,
        fetch_mode: FetchMode | None = None,
    ) -> Self:
        """An instance read from the database, the same as Django's ``from_db`` makes it, but
        without calling ``__init__``. For these models ``__init__`` only sends ``pre_init`` and
        ``post_init`` and sets each value by ``setattr``, which writes it into ``__dict__``;
        here the values go into ``__dict__`` at once. While anybody listens to either signal
        (for any model), or for a model whose fields do more when set, Django's own is used.

        A list page makes 250 to 600 instances: a case took 10 µs through ``__init__``
        against 3 µs (issue 10, docs/performance.md, session 33). The values are mapped to
        the fields as Django maps them: positionally when there is one per concrete field
        (``DEFERRED`` leaves a field deferred), otherwise to ``field_names`` in the model's
        field order."""
        if pre_init.receivers or post_init.receivers or not _plain_fields(cls):
            return super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        names = _attnames(cls)
        if len(values) != len(names):
            # Django's own mapping: the values of ``field_names`` in the model's field order.
            given = iter(values)
            values = [next(given) if name in field_names else DEFERRED for name in names]
        new = cls.__new__(cls)
        state = new._state = ModelState()
        state.adding = False
        state.db = db
        if fetch_mode is not None:
            state.fetch_mode = fetch_mode
        new.__dict__.update(
            {
                name: value
                for name, value in zip(names, values, strict=True)
                if value is not DEFERRED
            }
        )
        return new

    @classmethod
    def from_columns(cls, db: str | None, attnames: Sequence[str], values: Sequence[Any]) -> Self:
        """``from_db`` for rows read by a statement of our own (``passend.statements``, the
        policy input of a list): ``values`` are those of exactly these fields (``attnames``, in
        any order, none of them ``DEFERRED``), the others deferred. The same instance as
        ``from_db`` makes, without mapping the values to the model's fields: a director read
        with four of the user's eleven columns took 2.9 µs through ``from_db`` against 1.1 µs
        here, and a page of the list API makes about 290 (issue 10, session 50)."""
        if pre_init.receivers or post_init.receivers or not _plain_fields(cls):
            return _django_from_db(cls, db, attnames, values)
        new = cls.__new__(cls)
        state = new._state = ModelState()
        state.adding = False
        state.db = db
        new.__dict__.update(zip(attnames, values, strict=True))
        return new

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        value = getattr(self, field.attname)
        try:
            return choice_labels(field, get_language())[make_hashable(value)]
        except KeyError:  # not one of the choices: the value itself, as Django gives it
            return force_str(value, strings_only=True)


def model_from_columns(
    model: type[models.Model],
) -> Callable[[str | None, Sequence[str], Sequence[Any]], Any]:
    """``model.from_columns``, or for a model that is not ours (none is read by a statement
    today) the same made by Django's ``from_db``."""
    if issubclass(model, PassendModel):
        return model.from_columns
    return functools.partial(_django_from_db, model)


def _django_from_db(
    model: type[models.Model], db: str | None, attnames: Sequence[str], values: Sequence[Any]
) -> Any:
    """Django's ``from_db`` of these columns: their values in the model's field order."""
    given = dict(zip(attnames, values, strict=True))
    names = [name for name in _attnames(model) if name in given]
    return model.from_db(db, names, [given[name] for name in names])
