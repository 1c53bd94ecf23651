"""The main menu, per acting role.

The menu is declared here, in Python, so that it can be tested and so that a module only has to
name its URL to get a menu item. An item appears only when

* its URL name resolves (a module that is not built yet simply has no item), and
* the user acts in one of the item's roles, or the item is open to every role, or the user is a
  superuser and the item allows superusers.

A module adds an item either by adding a line to ``MENU`` below or, from its ``AppConfig.ready``,
with :func:`register`::

    from passend.navigation import NavItem, register
    register(NavItem("cases:list", _("Trajecten"), roles=frozenset({Role.SUPPORT_COORDINATOR}), order=20))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from passend.accounts.models import Role
from passend.urlreverse import reverse


@dataclass(frozen=True)
class NavItem:
    """One entry of the main menu.

    ``roles`` empty means: every role (any user acting for an organisation, and superusers).
    """

    url_name: str
    label: str | Promise
    roles: frozenset[str] = field(default_factory=frozenset)
    superuser: bool = True
    order: int = 100

    def __post_init__(self) -> None:
        # Accept any iterable of roles (a set of Role members is the natural spelling).
        object.__setattr__(self, "roles", frozenset(str(r) for r in self.roles))

    def allows(self, role: str | None, is_superuser: bool) -> bool:
        if is_superuser and self.superuser:
            return True
        if role is None:
            return False
        return not self.roles or role in self.roles


@dataclass(frozen=True)
class MenuEntry:
    """A menu item as the template sees it."""

    label: str | Promise
    url: str
    is_current: bool


MENU: list[NavItem] = [
    NavItem("home", _("Start"), order=0),
    # ORG-04: every professional role that takes part in cases; not the FG or the beheerder.
    NavItem(
        "cases:list",
        _("Mijn trajecten"),
        roles=frozenset(Role) - {Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN},
        superuser=False,
        order=20,
    ),
    NavItem("admin:index", _("Beheer"), roles=frozenset({Role.FUNCTIONAL_ADMIN}), order=900),
]


def register(item: NavItem) -> None:
    """Add a menu item (idempotent per URL name: a second registration replaces the first)."""
    MENU[:] = [existing for existing in MENU if existing.url_name != item.url_name]
    MENU.append(item)


def _resolve(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _is_current(url: str, path: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def menu_for(request: HttpRequest) -> list[MenuEntry]:
    """The menu items for the user and the role they act in now."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    is_verified: Callable[[], bool] | None = getattr(user, "is_verified", None)
    if is_verified is None or not is_verified():
        return []
    membership = getattr(request, "membership", None)
    role = membership.role if membership is not None else None
    is_superuser = bool(user.is_superuser)
    entries: list[MenuEntry] = []
    for item in sorted(MENU, key=lambda i: (i.order, i.url_name)):
        if not item.allows(role, is_superuser):
            continue
        url = _resolve(item.url_name)
        if url is None:
            continue
        entries.append(MenuEntry(item.label, url, _is_current(url, request.path)))
    return entries


def main_navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``main_navigation``, computed only when a template uses it."""
    cache: list[list[MenuEntry]] = []

    def entries() -> list[MenuEntry]:
        if not cache:
            cache.append(menu_for(request))
        return cache[0]

    return {"main_navigation": entries}
