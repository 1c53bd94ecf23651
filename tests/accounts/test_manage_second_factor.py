"""Tweede factor beheren and password change (PRV-08): verified sessions only, all logged."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from passend.accounts import services
from passend.privacy.models import Outcome
from tests.accounts.conftest import (
    confirmed_device,
    full_login,
    log_actions,
    password_login,
    totp_code,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Paars-Fietspad-Regen-71"


@pytest.fixture
def device(professional: Any) -> TOTPDevice:
    return confirmed_device(professional)


@pytest.fixture
def signed_in(professional: Any, device: TOTPDevice) -> Client:
    client = Client()
    full_login(client, professional, device)
    return client


def test_prv08_manage_pages_need_a_verified_session(professional: Any, device: Any) -> None:
    client = Client()
    password_login(client, professional.username)
    for name in ("security", "security_authenticator", "password_change"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    response = client.post(reverse("accounts:security_backup_codes"), {"backup-password": PASSWORD})
    assert response.status_code == 302
    assert not StaticToken.objects.filter(device__user=professional).exists()


def test_prv08_regenerate_backup_codes_replaces_old_ones_and_is_logged(
    signed_in: Client, professional: Any
) -> None:
    old = services.regenerate_backup_codes_unlogged(professional)
    page = signed_in.get(reverse("accounts:security"))
    assert page.status_code == 200
    assert "Tweede factor beheren" in page.content.decode()

    refused = signed_in.post(
        reverse("accounts:security_backup_codes"), {"backup-password": "not-my-password"}
    )
    assert refused.status_code == 400
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old)
    assert log_actions(professional)[-1] == ("2fa_change_refused", Outcome.DENIED)

    response = signed_in.post(
        reverse("accounts:security_backup_codes"), {"backup-password": PASSWORD}
    )
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == services.BACKUP_CODE_COUNT
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert not set(new) & set(old)
    assert log_actions(professional)[-1] == ("2fa_backup_codes_renewed", Outcome.ALLOWED)

    # An old code no longer logs in.
    other = Client()
    password_login(other, professional.username)
    assert other.post(reverse("accounts:two_factor_verify"), {"token": old[0]}).status_code == 200


def test_prv08_reenrol_authenticator_replaces_the_old_one(
    signed_in: Client, professional: Any, device: TOTPDevice
) -> None:
    page = signed_in.get(reverse("accounts:security_authenticator"))
    assert page.status_code == 200
    assert b"data:image/svg+xml;base64," in page.content
    new_device = TOTPDevice.objects.get(user=professional, confirmed=False)
    assert new_device.bin_key != device.bin_key

    wrong = signed_in.post(
        reverse("accounts:security_authenticator"),
        {"password": PASSWORD, "token": "000000"},
    )
    assert wrong.status_code == 200
    assert log_actions(professional)[-1] == ("2fa_totp_replace_failed", Outcome.DENIED)
    new_device.refresh_from_db()
    new_device.throttle_reset()

    response = signed_in.post(
        reverse("accounts:security_authenticator"),
        {"password": PASSWORD, "token": totp_code(new_device)},
    )
    assert response.status_code == 302
    assert log_actions(professional)[-1] == ("2fa_totp_replaced", Outcome.ALLOWED)
    assert list(TOTPDevice.objects.filter(user=professional)) == [new_device]
    new_device.refresh_from_db()
    assert new_device.confirmed
    # This session stays verified, now bound to the new device.
    assert signed_in.get(reverse("accounts:security")).status_code == 200

    # The old app's codes no longer work; the new app's do.
    other = Client()
    password_login(other, professional.username)
    old_code = totp_code(device)
    assert other.post(reverse("accounts:two_factor_verify"), {"token": old_code}).status_code == 200


def test_prv08_reenrol_needs_the_password(signed_in: Client, professional: Any) -> None:
    signed_in.get(reverse("accounts:security_authenticator"))
    new_device = TOTPDevice.objects.get(user=professional, confirmed=False)
    response = signed_in.post(
        reverse("accounts:security_authenticator"),
        {"password": "wrong", "token": totp_code(new_device)},
    )
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=professional, confirmed=True).count() == 1
    new_device.refresh_from_db()
    assert not new_device.confirmed
    assert log_actions(professional)[-1] == ("2fa_change_refused", Outcome.DENIED)


def test_prv08_security_pages_render_in_dutch(signed_in: Client) -> None:
    for name, text in (
        ("security", "Nieuwe reservecodes maken"),
        ("security_authenticator", "Nieuwe authenticator-app koppelen"),
        ("password_change", "Wachtwoord wijzigen"),
    ):
        response = signed_in.get(reverse(f"accounts:{name}"))
        assert response.status_code == 200, name
        assert text in response.content.decode(), name


def test_prv08_password_change_keeps_the_second_factor(
    signed_in: Client, professional: Any, device: TOTPDevice
) -> None:
    response = signed_in.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")
    assert log_actions(professional)[-1] == ("password_changed", Outcome.ALLOWED)
    # The device is untouched and this session remains verified.
    assert list(TOTPDevice.objects.filter(user=professional, confirmed=True)) == [device]
    assert signed_in.get("/").status_code == 200

    # A fresh login: the new password, then still the same authenticator.
    fresh = Client()
    assert password_login(fresh, professional.username).status_code == 200  # old one refused
    response = password_login(fresh, professional.username, password=NEW_PASSWORD)
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_prv08_password_change_refuses_common_passwords(signed_in: Client) -> None:
    response = signed_in.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "password1234",
            "new_password2": "password1234",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["new_password2"]
    assert "password_too_common" in [e.code for e in errors]
    assert "te algemeen" in response.content.decode()


def test_prv08_password_change_ends_other_sessions(
    signed_in: Client, professional: Any, device: TOTPDevice
) -> None:
    backup = services.regenerate_backup_codes_unlogged(professional)
    elsewhere = Client()
    password_login(elsewhere, professional.username)
    elsewhere.post(reverse("accounts:two_factor_verify"), {"token": backup[0]})
    assert elsewhere.get("/").status_code == 200
    signed_in.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert elsewhere.get("/")["Location"].startswith(reverse("accounts:login"))


def test_prv08_admin_cannot_read_anyones_totp_secret(device: TOTPDevice) -> None:
    """Not even a superuser sees another user's TOTP configuration or QR code."""
    from tests.conftest import verified_client
    from tests.factories import UserFactory

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client = verified_client(admin_user)
    for name in ("config", "qrcode"):
        response = client.get(f"/beheer/otp_totp/totpdevice/{device.pk}/{name}/")
        assert response.status_code == 403, name
        assert device.key not in response.content.decode(errors="replace")
    # A device that does not exist is no server error either.
    assert client.get("/beheer/otp_totp/totpdevice/999999/config/").status_code == 403
