"""Data categories (DESIGN.md privacy core 3, AGE-01).

Every field and document of case data carries one; phases, consents and legal grounds are
expressed in them so that the access policy can decide per item.
"""

from django.db import models
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
    labels = dict(DataCategory.choices)
    return [str(labels[c]) for c in DataCategory.values if c in set(codes)]  # type: ignore[call-overload]
