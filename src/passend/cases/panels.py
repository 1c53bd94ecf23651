"""Panels that later apps add to the case page, keeping imports one-way (DESIGN.md layout).

A feature app registers a panel from its ``AppConfig.ready``: a template and a function that
gets the already decided and logged ``CaseRow`` and returns the template's context. The
function reads through its own app's selectors, which apply the row's access decision; it
returns ``None`` when the viewer has nothing to see in it, and the panel is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from passend.access.selectors import CaseRow


@dataclass(frozen=True)
class CasePanel:
    name: str
    template: str
    context: Callable[[CaseRow], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    template: str
    data: dict[str, Any]


PANELS: dict[str, CasePanel] = {}


def register(panel: CasePanel) -> None:
    PANELS[panel.name] = panel


def panels_for(row: CaseRow) -> list[RenderedPanel]:
    rendered = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.name)):
        data = panel.context(row)
        if data is not None:
            rendered.append(RenderedPanel(panel.template, data))
    return rendered
