"""Template filters of the arrangements module."""

from decimal import Decimal

from django import template

from passend.arrangements.services import euro as _euro

register = template.Library()


@register.filter
def euro(amount: Decimal | None) -> str:
    """'€ 8.682,52' (DESIGN.md conventions)."""
    return _euro(amount)
