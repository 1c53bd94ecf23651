"""``{% load navigation %}``: ``{% main_menu %}``, the main menu's markup for the request's role
(``passend.navigation``), kept per role, language and current item."""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString

from passend.navigation import main_menu_markup

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context: Context) -> SafeString:
    return main_menu_markup(getattr(context, "request", None))
