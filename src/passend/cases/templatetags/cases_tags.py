"""Template filters of the case screens."""

from __future__ import annotations

from django import template

from passend.privacy.categories import category_labels as _category_labels

register = template.Library()


@register.filter
def category_labels(codes: object) -> str:
    """Dutch labels of data category codes, in the catalogue's order."""
    return ", ".join(_category_labels(codes or ()))
