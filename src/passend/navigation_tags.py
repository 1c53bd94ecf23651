"""``{% load navigation %}``: ``{% main_menu %}``, the main menu's markup for the request's role
(``passend.navigation``), kept per role, language and current item; ``{% task_links %}``, the
start page's links to the role's other pages, kept per role and language."""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString

from passend.navigation import main_menu_markup, task_links_markup

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context: Context) -> SafeString:
    return main_menu_markup(getattr(context, "request", None))


@register.simple_tag(takes_context=True)
def task_links(context: Context) -> SafeString:
    return task_links_markup(getattr(context, "request", None))
