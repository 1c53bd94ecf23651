"""Data categories (DESIGN.md privacy core 3, AGE-01).

Every field and document of case data carries one; phases, consents and legal grounds are
expressed in them so that the access policy can decide per item.
"""

import functools

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class DataCategory(models.TextChoices):
    ORDINARY = "ordinary", _("Algemeen (contact, school, loopbaan)")
    FAMILY = "family", _("Gezin en gezag")
    BEHAVIOUR = "behaviour", _("Gedrag")
    ABSENCE = "absence", _("Verzuim")
    HEALTH = "health", _("Gezondheid")
    DIAGNOSTICS = "diagnostics", _("Diagnostiek")


ALL_CATEGORIES: frozenset[str] = frozenset(DataCategory.values)
# Special personal data: never visible through organisation membership alone (ORG-04).
SPECIAL_CATEGORIES: frozenset[str] = frozenset(
    {DataCategory.HEALTH, DataCategory.DIAGNOSTICS, DataCategory.BEHAVIOUR}
)


def category_labels(codes: object) -> list[str]:
    """The labels of these category codes in the active language, in the catalogue's order."""
    wanted = set(codes)  # type: ignore[call-overload]
    return [label for code, label in _labels(get_language()) if code in wanted]


@functools.cache
def _labels(language: str | None) -> tuple[tuple[str, str], ...]:
    """The catalogue's (code, label) in a language: the labels are the code's own, so they do
    not change while the process runs. A case page shows them five times or more; translating
    them for every call took 13 us a call (issue 10, session 42)."""
    return tuple((code, str(label)) for code, label in DataCategory.choices)
