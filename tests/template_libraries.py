"""A template library of the project's against Django's own of the same name: the same source
rendered by the project's engine and by a bare engine with Django's library (issue 10: the
kept ``i18n`` and ``static`` tags)."""

from __future__ import annotations

from typing import Any

from django.template import Context, Engine, engines


def render_ours(library: str, source: str, values: dict[str, Any], autoescape: bool) -> str:
    template = engines["django"].from_string(f"{{% load {library} %}}" + source)
    template.template.engine.autoescape = autoescape
    try:
        return template.render(values)
    finally:
        template.template.engine.autoescape = True


def render_djangos(library: str, source: str, values: dict[str, Any], autoescape: bool) -> str:
    engine = Engine(libraries={library: f"django.templatetags.{library}"}, autoescape=autoescape)
    return engine.from_string(f"{{% load {library} %}}" + source).render(
        Context(values, autoescape=autoescape)
    )
