"""Django's ``static`` template library, with ``{% static "path" %}`` kept once per path.

The project's templates load it as ``{% load static %}`` (``TEMPLATES`` ``libraries``): every
tag is Django's own. Only a ``static`` of a fixed path, without ``as``, keeps the URL Django's
tag wrote for it and writes that again. Django's tag asks the app registry whether
staticfiles is installed, imports the storage and has it write the URL (in production
through the manifest's hashed names) at every use: every page's head links six files
(issue 10, docs/performance.md "Session 48"). The storage's URLs do not change while the
process runs (the manifest is read once): a change of the static-file settings (tests)
forgets what was kept, and another script prefix is another key. ``tests/test_static_tags.py``
holds the two to the same output.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Parser, Token
from django.templatetags import static as django_static
from django.urls import get_script_prefix

register = template.Library()
register.tags.update(django_static.register.tags)
register.filters.update(django_static.register.filters)

# (path, script prefix, autoescape) -> what Django's tag wrote
_written: dict[tuple[str, str, bool], Any] = {}

_STATIC_SETTINGS = frozenset(
    {"STATIC_URL", "STATIC_ROOT", "STATICFILES_DIRS", "STATICFILES_FINDERS", "STORAGES"}
)


@receiver(setting_changed)
def _forget(*, setting: str, **_kwargs: Any) -> None:
    if setting in _STATIC_SETTINGS:
        _written.clear()


class KeptStaticNode(django_static.StaticNode):
    def __init__(self, varname: str | None = None, path: Any = None) -> None:
        super().__init__(varname, path)
        # A quoted path is a string already (Django resolves a constant when it parses it).
        constant = self.path.var
        self.fixed_path: str | None = (
            str(constant)
            if isinstance(constant, str) and not self.path.filters and varname is None
            else None
        )

    def render(self, context: Any) -> Any:
        if self.fixed_path is None:
            return super().render(context)
        key = (self.fixed_path, get_script_prefix(), bool(context.autoescape))
        written = _written.get(key)
        if written is None:
            written = _written[key] = super().render(context)
        return written


@register.tag("static")
def do_static(parser: Parser, token: Token) -> django_static.StaticNode:
    return KeptStaticNode.handle_token(parser, token)
