"""Checks 4 and 5 of issue 11: sessions, login, and revocation on the next request (PRV-08).

Most of check 4 is proven in ``tests/accounts`` (see docs/security.md for the map). This file
adds what was not: the cookies a *production* configuration really sends on login, a
password-only session against the case data of a rich world, and check 5: revoking consent,
a participant or a membership takes effect on the very next request of a session (web or API
token) that is already open.
"""

from __future__ import annotations

import base64
import importlib
import secrets
import sys
from collections.abc import Iterator
from http.cookies import Morsel
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice as TOTPDeviceModel

from passend.accounts.models import Membership, Role
from passend.cases.models import CaseEntry
from passend.consent import services as consent_services
from passend.privacy.categories import DataCategory
from tests.accounts.conftest import confirmed_device, full_login, password_login, totp_code
from tests.cases.screens import actor, api_client, build_world, consent_for
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db

HEALTH_TEXT = "Jeugdarts: slaapproblemen en hoofdpijn sinds de zomer."


@pytest.fixture
def production_cookie_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The cookie and HTTPS settings of ``passend.settings_production``, loaded for real."""
    monkeypatch.setenv("PASSEND_SECRET_KEY", secrets.token_urlsafe(50))
    monkeypatch.setenv("PASSEND_PSEUDONYM_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv(
        "PASSEND_DOCUMENT_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode()
    )
    sys.modules.pop("passend.settings_production", None)
    prod = importlib.import_module("passend.settings_production")
    names = [
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_NAME",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
    ]
    values = {name: getattr(prod, name) for name in names}
    yield values
    sys.modules.pop("passend.settings_production", None)


def _cookie(client: Client, name: str) -> Morsel[str]:
    assert name in client.cookies, f"no {name} cookie was set; got {list(client.cookies)}"
    return client.cookies[name]


def test_prv08_production_login_sets_secure_httponly_samesite_host_cookies(
    production_cookie_settings: dict[str, Any], coordinator_a: Any
) -> None:
    """A real login (password + TOTP) under the production cookie settings, over HTTPS."""
    device = confirmed_device(coordinator_a)
    with override_settings(**production_cookie_settings):
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        client.get(reverse("accounts:login"), secure=True)  # the login form sets the CSRF cookie
        response = client.post(
            reverse("accounts:login"),
            {"username": coordinator_a.username, "password": "Correct-Horse-Battery-9"},
            secure=True,
        )
        assert response.status_code == 302, response.content[:300]
        client.post(
            reverse("accounts:two_factor_verify"), {"token": totp_code(device)}, secure=True
        )
        session = _cookie(client, production_cookie_settings["SESSION_COOKIE_NAME"])
        csrf = _cookie(client, production_cookie_settings["CSRF_COOKIE_NAME"])
        home = client.get("/", secure=True)
        assert home.status_code == 200
        assert home["Strict-Transport-Security"].startswith("max-age=31536000")
        plain = Client().get("/accounts/login/")
    for name, cookie in (("session", session), ("CSRF", csrf)):
        assert cookie["secure"], f"{name} cookie without Secure"
        assert cookie["httponly"], f"{name} cookie without HttpOnly"
        assert cookie["samesite"] == "Lax", f"{name} cookie SameSite={cookie['samesite']!r}"
        assert cookie["path"] == "/", f"{name} cookie must have Path=/ for the __Host- prefix"
        assert not cookie["domain"], f"{name} cookie must not name a Domain (__Host- prefix)"
    assert session.key.startswith("__Host-") and csrf.key.startswith("__Host-")
    assert plain.status_code == 301 and plain["Location"].startswith("https://"), (
        "production must redirect plain HTTP to HTTPS"
    )


def test_prv08_password_only_session_reaches_no_case_data(region: dict[str, Any]) -> None:
    """Password right, second factor not given: no case page, no list, no pupil name."""
    owner = make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="zoco-p")
    world = build_world(region, owner, first_name="Ermengarde")
    confirmed_device(owner)
    client = Client()
    assert password_login(client, owner.username).status_code == 302
    for url in ("/", "/trajecten/", f"/trajecten/{world.case.pk}/", "/leerlingen/"):
        response = client.get(url)
        assert response.status_code == 302, f"{url} answered {response.status_code}"
        assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
        assert "Ermengarde" not in response.content.decode()
    # And the API does not accept a session at all, verified or not.
    assert client.get(f"/api/v1/cases/{world.case.pk}/").status_code in (401, 403)


def test_prv08_verified_login_rotates_session_and_logout_kills_it(coordinator_a: Any) -> None:
    """Session id differs before and after login; the old cookie is useless after logout."""
    device = confirmed_device(coordinator_a)
    client = Client()
    client.get(reverse("accounts:login"))
    before = client.cookies.get("passend_session")
    full_login(client, coordinator_a, device)
    during = client.cookies["passend_session"].value
    assert before is None or before.value != during
    stolen = Client()
    stolen.cookies["passend_session"] = during
    assert stolen.get("/").status_code == 200
    client.post(reverse("accounts:logout"))
    assert stolen.get("/").status_code == 302, "a copied session cookie outlived the logout"


# --- Check 5: revocation on the next request ------------------------------------------------


@pytest.fixture
def shared_case(region: dict[str, Any], coordinator_a: Any) -> Any:
    world = build_world(region, coordinator_a, first_name="Gijsbertha")
    # Joined for the assessment phase, whose data set holds health data (CO-02).
    world.case.participants.filter(user=world.partner).update(joined_phase="assessment")
    consent = consent_for(coordinator_a, world.case, [world.ggd], [DataCategory.HEALTH])
    CaseEntry.objects.create(
        case=world.case,
        category=DataCategory.HEALTH,
        supplied_by=region["school_a"],
        phase=world.case.phase,
        title="Gezondheid",
        body=HEALTH_TEXT,
        recorded_by=coordinator_a,
    )
    world.consent = consent  # type: ignore[attr-defined]
    return world


def test_con_03_revoked_consent_hides_data_on_the_next_request_of_an_open_session(
    shared_case: Any,
) -> None:
    world = shared_case
    web = verified_client(world.partner)
    api = api_client(world.partner)
    url = f"/trajecten/{world.case.pk}/"
    assert HEALTH_TEXT in web.get(url).content.decode(), "precondition: consent shows the entry"
    consent_services.revoke_consent(actor(world.owner), world.consent, note="Ouders trekken in")
    page = web.get(url)
    assert HEALTH_TEXT not in page.content.decode(), "revoked consent still showed health data"
    api_page = api.get(f"/api/v1/cases/{world.case.pk}/")
    assert HEALTH_TEXT not in api_page.content.decode()


def test_org_04_ended_participation_closes_the_case_on_the_next_request(shared_case: Any) -> None:
    from passend.cases import services as case_services

    world = shared_case
    web = verified_client(world.partner)
    api = api_client(world.partner)
    url = f"/trajecten/{world.case.pk}/"
    assert web.get(url).status_code == 200
    participant = world.case.participants.get(user=world.partner)
    case_services.end_participant(actor(world.owner), participant, reason="Klaar")
    assert web.get(url).status_code == 404
    assert api.get(f"/api/v1/cases/{world.case.pk}/").status_code == 404


def test_org_02_ended_membership_stops_web_session_and_api_token_at_once(
    shared_case: Any,
) -> None:
    world = shared_case
    web = verified_client(world.partner)
    api = api_client(world.partner)
    assert web.get(f"/trajecten/{world.case.pk}/").status_code == 200
    assert api.get("/api/v1/me/").status_code == 200
    Membership.objects.filter(user=world.partner).update(valid_until=timezone.localdate())
    Membership.objects.filter(user=world.partner).update(is_active=False)
    page = web.get(f"/trajecten/{world.case.pk}/")
    assert page.status_code in (302, 403, 404)
    assert "Gijsbertha" not in page.content.decode()
    assert api.get("/api/v1/me/").status_code == 401
    assert api.get(f"/api/v1/cases/{world.case.pk}/").status_code == 401


def test_prv08_password_reset_by_an_administrator_keeps_the_second_factor(
    coordinator_a: Any,
) -> None:
    """There is no self-service reset: a functional administrator sets a new password in the
    admin (/beheer/). The user's TOTP device stays, the new password alone reaches no data,
    and the user's open sessions end."""
    from passend.accounts.models import User

    device = confirmed_device(coordinator_a)
    admin_user = User.objects.create_superuser("beheer-reset", "b@example.invalid", "x" * 16)
    admin = verified_client(admin_user)
    victim_session = verified_client(coordinator_a)
    assert victim_session.get("/").status_code == 200
    new_password = "Nieuw-Wachtwoord-2026!"
    response = admin.post(
        f"/beheer/accounts/user/{coordinator_a.pk}/password/",
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    coordinator_a.refresh_from_db()
    assert coordinator_a.check_password(new_password), "the admin reset did not set the password"
    assert TOTPDeviceModel.objects.filter(pk=device.pk, confirmed=True).exists(), (
        "the password reset removed the second factor"
    )
    client = Client()
    assert password_login(client, coordinator_a.username, new_password).status_code == 302
    page = client.get("/trajecten/")
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("accounts:two_factor_verify")), (
        "the new password alone reached a page: the reset dropped 2FA"
    )
    assert victim_session.get("/").status_code == 302, "a session from before the reset lived on"
