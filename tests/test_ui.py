"""Base UI: layout, navigation per role, skip link, language switch, error pages, CSP (issue 2)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import translation

import passend.urls
from passend import navigation, views
from passend.accounts.models import Role
from tests.conftest import make_professional, verified_client
from tests.factories import UserFactory

TEMPLATES = Path(passend.urls.__file__).parent / "templates"


# --- URLconf for the error-page tests: the real one plus views that fail on purpose. ----------
def _boom(request: HttpRequest) -> HttpResponse:
    raise DatabaseError("connection to server lost")


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [
    path("test-boom/", _boom),
    path("test-forbidden/", _forbidden),
    *passend.urls.urlpatterns,
]
handler400 = passend.urls.handler400
handler403 = passend.urls.handler403
handler404 = passend.urls.handler404
handler500 = passend.urls.handler500


# --- A tiny HTML inspector ---------------------------------------------------------------------
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._in_script: dict[str, str] | None = None
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes))
        if tag == "script":
            self._in_script, self._script_text = attributes, ""

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._script_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, self._script_text))
            self._in_script = None

    def focusable(self) -> list[tuple[str, dict[str, str]]]:
        found = []
        for tag, attrs in self.elements:
            if "disabled" in attrs or attrs.get("tabindex") == "-1":
                continue
            if (
                (tag == "a" and "href" in attrs)
                or (tag == "input" and attrs.get("type") != "hidden")
                or tag in {"button", "select", "textarea"}
                or "tabindex" in attrs
            ):
                found.append((tag, attrs))
        return found

    def by_id(self, element_id: str) -> tuple[str, dict[str, str]] | None:
        return next(((t, a) for t, a in self.elements if a.get("id") == element_id), None)


def parse(response: HttpResponse) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def html_lang(response: HttpResponse) -> str:
    match = re.search(r'<html lang="([a-z-]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


@pytest.fixture
def coordinator_client(region: dict[str, Any]) -> Client:
    user = make_professional(
        region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-ui", first_name="Iris"
    )
    return verified_client(user)


@pytest.fixture
def admin_client(region: dict[str, Any]) -> Client:
    return verified_client(make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="fb"))


# --- Skip link, landmarks ------------------------------------------------------------------------
def test_skip_link_is_the_first_focusable_element_and_targets_main(
    coordinator_client: Client,
) -> None:
    """WCAG 2.4.1 bypass blocks: the first Tab stop jumps to the content."""
    response = coordinator_client.get("/")
    assert response.status_code == 200
    page = parse(response)
    tag, attrs = page.focusable()[0]
    assert tag == "a"
    assert attrs["href"] == "#main"
    assert "utrecht-skip-link" in attrs["class"]
    assert "Naar de inhoud" in response.content.decode()
    main = page.by_id("main")
    assert main is not None and main[0] == "main"


def test_login_page_also_starts_with_the_skip_link(client: Client, db: Any) -> None:
    response = client.get("/accounts/login/")
    tag, attrs = parse(response).focusable()[0]
    assert (tag, attrs["href"]) == ("a", "#main")


# --- Header: acting organisation and role ---------------------------------------------------------
def test_header_shows_acting_organisation_role_and_switch(coordinator_client: Client) -> None:
    """ORG-02: the user always sees for which organisation and in which role they act."""
    html = coordinator_client.get("/").content.decode()
    header = html.split("</header>")[0]
    assert "School A" in header
    assert str(Role.SUPPORT_COORDINATOR.label) in header
    assert 'href="/accounts/membership/"' in header
    assert "Wisselen" in header
    assert 'action="/accounts/logout/"' in header
    assert "Afmelden" in header


def test_header_has_no_acting_block_for_anonymous_visitors(client: Client, db: Any) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert "passend-acting" not in html
    assert "Afmelden" not in html


# --- Navigation per role --------------------------------------------------------------------------
def _nav_links(response: HttpResponse) -> dict[str, str]:
    html = response.content.decode()
    nav = re.search(r'<nav class="utrecht-nav-bar[^"]*"[^>]*>(.*?)</nav>', html, re.S)
    if nav is None:
        return {}
    return {
        label.strip(): href
        for href, label in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(1))
    }


def test_navigation_shows_beheer_only_to_functional_admins(
    coordinator_client: Client, admin_client: Client
) -> None:
    admin_links = _nav_links(admin_client.get("/"))
    assert admin_links["Start"] == "/"
    assert admin_links["Beheer"] == "/beheer/"
    coordinator_links = _nav_links(coordinator_client.get("/"))
    assert coordinator_links["Start"] == "/"
    assert "Beheer" not in coordinator_links
    assert "/beheer/" not in coordinator_links.values()


def test_navigation_shows_beheer_to_superuser_without_membership(db: Any) -> None:
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    links = _nav_links(verified_client(superuser).get("/"))
    assert links.get("Beheer") == "/beheer/"


def test_navigation_marks_current_page(coordinator_client: Client) -> None:
    html = coordinator_client.get("/").content.decode()
    assert re.search(r'<a [^>]*href="/"[^>]*aria-current="page"', html)


def test_no_navigation_before_second_factor(region: dict[str, Any]) -> None:
    """Pages behind the 2FA gate are not offered to a half-signed-in user (PRV-08)."""
    user = make_professional(region["swv"], Role.FUNCTIONAL_ADMIN, username="half")
    client = Client()
    client.force_login(user)
    response = client.get("/accounts/2fa/setup/")
    assert response.status_code == 200
    assert _nav_links(response) == {}


def test_the_menus_markup_is_the_templates_for_each_role_page_and_language(
    coordinator_client: Client, admin_client: Client
) -> None:
    """The menu's markup is kept per role, current item and language (issue 10): what each
    request gets is what the template writes for that request's items."""
    from django.template.loader import render_to_string

    navigation._markup.clear()
    pages = [
        (coordinator_client, "/", "Start"),
        (coordinator_client, "/trajecten/", "Mijn trajecten"),
        (admin_client, "/", "Start"),
        (coordinator_client, "/", "Start"),  # kept
    ]
    for client, page, current in pages:
        response = client.get(page)
        request = response.wsgi_request
        expected = render_to_string(
            "includes/navigation.html", {"main_navigation": navigation.menu_for(request)}
        )
        assert expected.strip() in response.content.decode()
        marked = re.findall(r'<a [^>]*aria-current="page">([^<]+)</a>', expected)
        assert marked == [current]
    # Three menus: the coordinator's on two pages, the functional admin's on one.
    assert len(navigation._markup) == 3
    assert "Beheer" not in _nav_links(coordinator_client.get("/"))
    assert "Beheer" in _nav_links(admin_client.get("/"))

    coordinator_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "My cases" in _nav_links(coordinator_client.get("/"))
    coordinator_client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert "Mijn trajecten" in _nav_links(coordinator_client.get("/"))


def _task_links(response: HttpResponse) -> dict[str, str]:
    """The start page's links to other pages: the list under the one heading without an id."""
    html = response.content.decode()
    found = re.search(
        r'<h2 class="utrecht-heading-2">[^<]+</h2>\s*<ul class="passend-tasks">(.*?)</ul>',
        html,
        re.S,
    )
    if found is None:
        return {}
    link = r'<a class="passend-tasks__link" href="([^"]+)">([^<]+)</a>'
    return {label: href for href, label in re.findall(link, found.group(1))}


def test_the_start_pages_links_are_the_templates_per_role_and_language(
    coordinator_client: Client, admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The start page's links to the role's other pages ("Waar wilt u naartoe?") are kept per
    role and language, as the menu is (issue 10): each request gets what the template writes
    for its role's menu, without the start page itself."""
    from django.template.loader import render_to_string

    navigation._task_links.clear()
    for client in (coordinator_client, admin_client, coordinator_client):
        response = client.get("/")
        expected = render_to_string(
            "includes/task_links.html",
            {"main_navigation": navigation.menu_for(response.wsgi_request)},
        )
        assert "Waar wilt u naartoe?" in expected
        assert expected in response.content.decode()
        links = _task_links(response)
        assert links and "/" not in links.values()  # not the start page itself
    assert len(navigation._task_links) == 2  # the coordinator's, the functional admin's
    assert "Mijn trajecten" in _task_links(coordinator_client.get("/"))
    assert "Beheer" not in _task_links(coordinator_client.get("/"))
    assert "Beheer" in _task_links(admin_client.get("/"))

    coordinator_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = coordinator_client.get("/").content.decode()
    assert "Where do you want to go?" in english and "My cases" in english
    coordinator_client.post("/i18n/setlang/", {"language": "nl", "next": "/"})

    monkeypatch.setattr(navigation, "MENU", list(navigation.MENU))
    navigation.register(navigation.NavItem("healthz", "Gezondheid", order=1))
    assert _task_links(coordinator_client.get("/"))["Gezondheid"] == "/healthz"


def test_a_registered_menu_item_shows_at_once(
    coordinator_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(navigation, "MENU", list(navigation.MENU))
    assert "Gezondheid" not in _nav_links(coordinator_client.get("/"))
    navigation.register(navigation.NavItem("healthz", "Gezondheid", order=1))
    assert _nav_links(coordinator_client.get("/"))["Gezondheid"] == "/healthz"


def test_the_kept_menu_marks_every_item_the_page_is_under(
    rf: RequestFactory, region: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``menu_for`` does: on /trajecten/nieuw/ both "Mijn trajecten" (/trajecten/) and an
    item for /trajecten/nieuw/ itself are the current page."""
    monkeypatch.setattr(navigation, "MENU", [i for i in navigation.MENU if i.url_name == "home"])
    navigation.register(navigation.NavItem("cases:list", "Trajecten", order=10))
    navigation.register(navigation.NavItem("cases:create", "Nieuw traject", order=20))
    user = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-nav")
    request = rf.get("/trajecten/nieuw/")
    request.user = user
    request.user.is_verified = lambda: True  # type: ignore[attr-defined]
    request.membership = user.memberships.get()  # type: ignore[attr-defined]
    markup = navigation.main_menu_markup(request)
    assert re.findall(r'<a [^>]*aria-current="page">([^<]+)</a>', markup) == [
        "Trajecten",
        "Nieuw traject",
    ]
    assert [e.label for e in navigation.menu_for(request) if e.is_current] == [
        "Trajecten",
        "Nieuw traject",
    ]


def test_menu_items_appear_only_when_their_url_name_resolves(
    rf: RequestFactory, region: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module registers its item by URL name; until the URL exists, no dead link is shown."""
    # Only the project's own items; modules' registrations are tested by the modules.
    base = [i for i in navigation.MENU if i.url_name in {"home", "admin:index"}]
    monkeypatch.setattr(navigation, "MENU", base)
    navigation.register(navigation.NavItem("cases:does_not_exist", "Trajecten", order=10))
    navigation.register(
        navigation.NavItem("healthz", "Alleen LPA", roles={Role.ATTENDANCE_OFFICER}, order=20)
    )
    user = make_professional(region["municipality"], Role.ATTENDANCE_OFFICER, username="lpa")
    request = rf.get("/")
    request.user = user
    request.user.is_verified = lambda: True  # type: ignore[attr-defined]
    request.membership = user.memberships.get()  # type: ignore[attr-defined]
    labels = [str(e.label) for e in navigation.menu_for(request)]
    assert labels == ["Start", "Alleen LPA"]

    request.membership.role = Role.SUPPORT_COORDINATOR  # type: ignore[attr-defined]
    assert [str(e.label) for e in navigation.menu_for(request)] == ["Start"]


# --- Language -------------------------------------------------------------------------------------
def test_dutch_is_the_default_even_for_an_english_browser(coordinator_client: Client) -> None:
    response = coordinator_client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert html_lang(response) == "nl"
    assert "Naar de inhoud" in response.content.decode()


def test_language_switch_to_english_and_back(coordinator_client: Client) -> None:
    response = coordinator_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = coordinator_client.get("/")
    html = response.content.decode()
    assert html_lang(response) == "en"
    assert "Skip to content" in html
    assert "Sign out" in html
    assert "You are working on behalf of" in html
    assert "Naar de inhoud" not in html
    # The switch offers the way back, labelled in its own language.
    assert re.search(r'<button [^>]*value="nl" lang="nl">Nederlands</button>', html)

    coordinator_client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    response = coordinator_client.get("/")
    assert html_lang(response) == "nl"
    assert "Afmelden" in response.content.decode()


def test_language_switch_works_on_the_login_page(client: Client, db: Any) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")
    assert html_lang(response) == "en"
    assert "Skip to content" in response.content.decode()


# --- Error pages ----------------------------------------------------------------------------------
@pytest.mark.urls(__name__)
def test_404_is_friendly_and_has_status_404(coordinator_client: Client, settings: Any) -> None:
    settings.DEBUG = False
    response = coordinator_client.get("/bestaat-niet/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Pagina niet gevonden" in html
    assert 'href="/"' in html
    assert "Traceback" not in html and "Resolver404" not in html
    assert html_lang(response) == "nl"


@pytest.mark.urls(__name__)
def test_403_is_friendly_and_points_to_role_switch(
    coordinator_client: Client, settings: Any
) -> None:
    settings.DEBUG = False
    response = coordinator_client.get("/test-forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Geen toegang" in html
    assert "School A" in html
    assert 'href="/accounts/membership/"' in html


@pytest.mark.urls(__name__)
def test_500_page_has_status_500_and_no_stack_trace(
    coordinator_client: Client, settings: Any
) -> None:
    settings.DEBUG = False
    coordinator_client.raise_request_exception = False
    response = coordinator_client.get("/test-boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Er ging iets mis" in html
    assert "connection to server lost" not in html
    assert "Traceback" not in html and "DatabaseError" not in html
    # The trace id lets the administrator find the log line; it carries no personal data.
    assert response["X-Request-ID"] in html


def test_csrf_failure_is_a_friendly_dutch_403(db: Any) -> None:
    """An expired form gets an explanation, not Django's technical CSRF page."""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Formulier verlopen" in html
    assert "CSRF verification" not in html and "reason" not in html.lower()
    assert html_lang(response) == "nl"


def test_500_handler_renders_without_database_access() -> None:
    """No ``db`` fixture: pytest-django fails any query, so this proves the page needs no DB."""
    request = RequestFactory().get("/")
    request.trace_id = "abc123def456"  # type: ignore[attr-defined]
    with translation.override("nl"):
        response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Er ging iets mis" in html
    assert "abc123def456" in html
    assert "utrecht-skip-link" in html


# --- CSP: no inline script or style ---------------------------------------------------------------
def test_pages_have_no_inline_scripts_or_styles(admin_client: Client) -> None:
    response = admin_client.get("/")
    page = parse(response)
    assert page.scripts, "htmx is loaded"
    for attrs, text in page.scripts:
        assert attrs.get("src", "").startswith("/static/"), attrs
        assert not text.strip(), "inline script"
    for tag, attrs in page.elements:
        assert tag != "style", "inline <style>"
        assert "style" not in attrs, f"inline style attribute on <{tag}>"
        assert not [a for a in attrs if a.startswith("on")], f"inline handler on <{tag}>"
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert re.search(r"style-src 'self'(;|$)", csp)


@pytest.mark.parametrize(
    "template",
    [
        "base.html",
        "home.html",
        "includes/navigation.html",
        "includes/form.html",
        "errors/400.html",
        "errors/403.html",
        "errors/404.html",
        "errors/403_csrf.html",
        "errors/500.html",
    ],
)
def test_templates_have_no_inline_script_or_style(template: str) -> None:
    source = (TEMPLATES / template).read_text()
    assert "<style" not in source
    assert not re.search(r"\sstyle=", source)
    assert not re.search(r"\son[a-z]+=", source)
    for script in re.findall(r"<script[^>]*>", source):
        assert "src=" in script, script


# --- Static files ---------------------------------------------------------------------------------
def test_stylesheets_of_the_layout_are_served(coordinator_client: Client) -> None:
    """The NL Design System CSS (make assets) and our own CSS are served from 'self'."""
    page = parse(coordinator_client.get("/"))
    hrefs = [a["href"] for t, a in page.elements if t == "link" and a.get("rel") == "stylesheet"]
    assert "/static/passend/passend.css" in hrefs
    assert "/static/vendor/utrecht/index.css" in hrefs
    for href in hrefs:
        response = Client().get(href)
        assert response.status_code == 200, href
        assert response["Content-Type"].startswith("text/css"), href
    css = b"".join(Client().get("/static/passend/passend.css").streaming_content)  # type: ignore[attr-defined]
    assert b":focus-visible" in css


# --- Forms ----------------------------------------------------------------------------------------
def test_form_include_marks_errors_and_optional_fields() -> None:
    from django import forms
    from django.template.loader import render_to_string

    class ExampleForm(forms.Form):
        name = forms.CharField(label="Naam", help_text="Zoals op het formulier")
        note = forms.CharField(label="Opmerking", required=False)

    form = ExampleForm(data={})
    with translation.override("nl"):
        html = render_to_string("includes/form.html", {"form": form})
    assert "utrecht-form-field--invalid" in html
    assert 'id="id_name_error"' in html
    assert 'id="id_name_helptext"' in html
    assert "(niet verplicht)" in html
    assert html.count("(niet verplicht)") == 1

    # A filter form (all fields optional) can switch the marker off.
    with translation.override("nl"):
        html = render_to_string(
            "includes/form.html", {"form": ExampleForm(), "hide_optional_marker": True}
        )
    assert "(niet verplicht)" not in html
