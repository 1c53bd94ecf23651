"""Django's ``i18n`` template library, with ``{% translate "text" %}`` kept once per language.

The project's templates load it as ``{% load i18n %}`` (``TEMPLATES`` ``libraries``): every tag
and filter is Django's own. Only a ``translate`` (``trans``) of a fixed text, without filters,
context, ``noop`` or ``as``, keeps what Django's tag wrote for it, per language and escaping,
and writes that again. Django's tag makes a lazy translation, translates it, escapes and
copies it each time: 5 to 8 us a tag on this project's hosts, and a page has 20 to 70 of them
(issue 10, docs/performance.md "Session 37"). Translations do not change while the process
runs; a change of the languages or catalogue settings (tests) forgets what was kept.
``tests/test_translate_tags.py`` holds the two to the same output.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Parser, Token, Variable
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

# (text, language, autoescape) -> what Django's tag wrote
_written: dict[tuple[str, str | None, bool], Any] = {}


@receiver(setting_changed)
def _forget(*, setting: str, **_kwargs: Any) -> None:
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"):
        _written.clear()


class KeptTranslateNode(django_i18n.TranslateNode):
    def __init__(self, node: django_i18n.TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        variable = self.filter_expression.var
        self.text: str | None = (
            str(variable.literal)
            if isinstance(variable, Variable)
            and isinstance(variable.literal, str)
            and not self.filter_expression.filters
            and not self.noop
            and self.asvar is None
            and self.message_context is None
            else None
        )

    def render(self, context: Any) -> Any:
        if self.text is None:
            return super().render(context)
        key = (self.text, get_language(), bool(context.autoescape))
        written = _written.get(key)
        if written is None:
            written = _written[key] = super().render(context)
        return written


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Parser, token: Token) -> KeptTranslateNode:
    return KeptTranslateNode(django_i18n.do_translate(parser, token))
