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

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import get_language
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
    global _menu_version
    MENU[:] = [existing for existing in MENU if existing.url_name != item.url_name]
    MENU.append(item)
    _menu_version += 1


def _resolve(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _is_current(url: str, path: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


# The menu depends on the acting role and on nothing else of the person: its items, and its
# markup with each item marked current, are kept per process (issue 10, docs/performance.md
# "Session 48": the menu's loop was a tenth of a page's template time). A registration, another
# menu list (tests), URL configuration, script prefix or language is another key.
_menu_version = 0
_items: dict[tuple[Any, ...], list[tuple[str | Promise, str]]] = {}
_markup: dict[tuple[Any, ...], SafeString] = {}
_task_links: dict[tuple[Any, ...], SafeString] = {}


@receiver(setting_changed)
def _forget(*, setting: str, **_kwargs: Any) -> None:
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "TEMPLATES"):
        _items.clear()
        _markup.clear()
        _task_links.clear()


def _menu_key(request: HttpRequest) -> tuple[Any, ...] | None:
    """What the menu of this request depends on; None: no menu (not signed in with both
    factors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    is_verified: Callable[[], bool] | None = getattr(user, "is_verified", None)
    if is_verified is None or not is_verified():
        return None
    membership = getattr(request, "membership", None)
    role = membership.role if membership is not None else None
    return (
        role,
        bool(user.is_superuser),
        get_language(),
        get_urlconf(),
        get_script_prefix(),
        id(MENU),
        len(MENU),
        _menu_version,
    )


def _items_for(key: tuple[Any, ...]) -> list[tuple[str | Promise, str]]:
    items = _items.get(key)
    if items is None:
        role, is_superuser = key[0], key[1]
        items = []
        for item in sorted(MENU, key=lambda i: (i.order, i.url_name)):
            if not item.allows(role, is_superuser):
                continue
            url = _resolve(item.url_name)
            if url is not None:
                items.append((item.label, url))
        _items[key] = items
    return items


def menu_for(request: HttpRequest) -> list[MenuEntry]:
    """The menu items for the user and the role they act in now."""
    key = _menu_key(request)
    if key is None:
        return []
    path = request.path
    return [MenuEntry(label, url, _is_current(url, path)) for label, url in _items_for(key)]


def main_navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``main_navigation``, computed only when a template uses it."""
    cache: list[list[MenuEntry]] = []

    def entries() -> list[MenuEntry]:
        if not cache:
            cache.append(menu_for(request))
        return cache[0]

    return {"main_navigation": entries}


def main_menu_markup(request: HttpRequest | None) -> SafeString:
    """The main menu's markup (``includes/navigation.html``) for the request's role, the item
    of the current page marked; empty without a menu. ``{% main_menu %}`` writes it."""
    key = _menu_key(request) if request is not None else None
    if key is None or request is None:
        return SafeString("")
    items = _items_for(key)
    path = request.path
    # Every item whose URL the page is under is marked, as ``menu_for`` marks them.
    current = tuple(i for i, (_label, url) in enumerate(items) if _is_current(url, path))
    markup_key = (*key, current)
    markup = _markup.get(markup_key)
    if markup is None:
        entries = [MenuEntry(label, url, i in current) for i, (label, url) in enumerate(items)]
        markup = _markup[markup_key] = SafeString(
            render_to_string("includes/navigation.html", {"main_navigation": entries})
        )
    return markup


def task_links_markup(request: HttpRequest | None) -> SafeString:
    """The start page's links to the role's other pages ("Waar wilt u naartoe?",
    ``includes/task_links.html``), kept as the main menu is, per role and language; empty
    without a menu or with nothing but the start page. ``{% task_links %}`` writes it."""
    key = _menu_key(request) if request is not None else None
    markup = _task_links.get(key) if key is not None else None
    if markup is None:
        items = _items_for(key) if key is not None else []
        # No item is current here: the list only links.
        entries = [MenuEntry(label, url, False) for label, url in items]
        markup = SafeString(
            render_to_string("includes/task_links.html", {"main_navigation": entries})
        )
        if key is not None:
            _task_links[key] = markup
    return markup
