"""The project's model base: every model of Passend derives from ``PassendModel``.

It only changes how a choice field's label is looked up (``get_<field>_display``). Django's own
builds a dict of the field's choices on every call and hashes, so translates, every lazy label
of the field to do it: a case page asked for about 20 labels and translated about 150 (issue
10, session 17: 0.5 ms of the page's 7.4 ms of CPU). Here the labels of a field are translated
once per language and kept. The result is the same as Django's: the label in the active
language, or the value itself when it is not one of the choices.

Abstract and without fields, so migrations do not see it.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@functools.cache
def choice_labels(field: models.Field[Any, Any], language: str | None) -> dict[Any, Any]:
    """A choice field's labels in ``language`` (the active one when called), by value.

    Choices are the model's own (enumerations in the code), so a field's labels in a language
    do not change while the process runs."""
    return {
        make_hashable(value): force_str(label, strings_only=True)
        for value, label in field.flatchoices
    }


class PassendModel(models.Model):
    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        value = getattr(self, field.attname)
        try:
            return choice_labels(field, get_language())[make_hashable(value)]
        except KeyError:  # not one of the choices: the value itself, as Django gives it
            return force_str(value, strings_only=True)
