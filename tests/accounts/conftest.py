"""Helpers for the login tests: real password logins and codes from a TOTP device."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.privacy.models import AccessLogEntry
from tests.conftest import PASSWORD


def totp_code(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows right now."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def confirmed_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator-app", confirmed=True)


def password_login(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password, **extra}
    )


def full_login(client: Client, user: Any, device: TOTPDevice) -> None:
    """Password, then a TOTP code: a verified session through the real views."""
    response = password_login(client, user.username)
    assert response.status_code == 302, response.content
    response = client.post(reverse("accounts:two_factor_verify"), {"token": totp_code(device)})
    assert response.status_code == 302, response.content


def session_cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def log_actions(user: Any = None) -> list[tuple[str, str]]:
    entries = AccessLogEntry.objects.order_by("id")
    if user is not None:
        entries = entries.filter(actor=user)
    return list(entries.values_list("action", "outcome"))


@pytest.fixture
def professional(region: dict[str, Any]) -> Any:
    from passend.accounts.models import Role
    from tests.conftest import make_professional

    return make_professional(region["school_a"], Role.SUPPORT_COORDINATOR, username="ib-login")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Tests log in dozens of times; the production hasher's work factor is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
