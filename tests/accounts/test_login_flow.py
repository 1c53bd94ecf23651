"""Login with a mandatory second factor (PRV-08): setup, verification, sessions, logout."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
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
    session_cookie,
    totp_code,
)

pytestmark = pytest.mark.django_db

HOME = "/"


def test_prv08_password_alone_leads_to_second_factor_not_to_data(professional: Any) -> None:
    confirmed_device(professional)
    client = Client()
    response = password_login(client, professional.username, next="/accounts/security/")
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("accounts:two_factor_verify") + "?next=%2Faccounts%2Fsecurity%2F"
    )
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_prv08_first_login_sets_up_totp_and_shows_backup_codes_once(professional: Any) -> None:
    client = Client()
    response = password_login(client, professional.username)
    assert response["Location"] == reverse("accounts:two_factor_setup")

    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    assert b"data:image/svg+xml;base64," in page.content  # the QR code
    device = TOTPDevice.objects.get(user=professional, confirmed=False)
    # A reload shows the same secret, so an earlier scan stays valid.
    client.get(reverse("accounts:two_factor_setup"))
    assert TOTPDevice.objects.filter(user=professional).count() == 1

    wrong = client.post(reverse("accounts:two_factor_setup"), {"token": "000000"})
    assert wrong.status_code == 200
    assert "Deze code klopt niet" in wrong.content.decode()
    assert ("2fa_setup_failed", Outcome.DENIED) in log_actions(professional)
    device.refresh_from_db()
    device.throttle_reset()  # django-otp throttles a retry for a second after a failure

    key_before = session_cookie(client)
    done = client.post(reverse("accounts:two_factor_setup"), {"token": totp_code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == services.BACKUP_CODE_COUNT
    for code in codes:
        assert code in done.content.decode()
    assert session_cookie(client) != key_before  # rotated after the second factor
    device.refresh_from_db()
    assert device.confirmed
    assert ("2fa_totp_enabled", Outcome.ALLOWED) in log_actions(professional)

    # Verified now: the start page opens, and the codes are never shown again.
    home = client.get(HOME)
    assert home.status_code == 200
    again = client.get(reverse("accounts:two_factor_setup"), follow=True)
    for code in codes:
        assert code not in again.content.decode()


def test_prv08_login_events_are_in_the_access_log(professional: Any) -> None:
    """Login, failed login, 2FA success and 2FA failure each leave an entry."""
    device = confirmed_device(professional)
    client = Client()
    password_login(client, professional.username, password="wrong-password-1")
    password_login(client, professional.username)
    client.post(reverse("accounts:two_factor_verify"), {"token": "123456"})
    device.refresh_from_db()
    device.throttle_reset()
    client.post(reverse("accounts:two_factor_verify"), {"token": totp_code(device)})
    client.post(reverse("accounts:logout"))
    assert log_actions(professional) == [
        ("login_failed", Outcome.DENIED),
        ("login_password", Outcome.ALLOWED),
        ("login_2fa_failed", Outcome.DENIED),
        ("login_2fa", Outcome.ALLOWED),
        ("logout", Outcome.ALLOWED),
    ]


def test_prv08_session_id_rotates_at_password_and_at_second_factor(professional: Any) -> None:
    device = confirmed_device(professional)
    client = Client()
    session = client.session  # an anonymous session planted before the login (fixation)
    session["planted"] = True
    session.save()
    planted = session.session_key

    password_login(client, professional.username)
    after_password = session_cookie(client)
    assert after_password != planted
    assert not Session.objects.filter(session_key=planted).exists()
    assert "planted" not in client.session

    client.post(reverse("accounts:two_factor_verify"), {"token": totp_code(device)})
    after_2fa = session_cookie(client)
    assert after_2fa not in (planted, after_password)
    assert not Session.objects.filter(session_key=after_password).exists()


def test_prv08_a_new_login_does_not_inherit_an_earlier_second_factor(professional: Any) -> None:
    device = confirmed_device(professional)
    client = Client()
    full_login(client, professional, device)
    assert client.get(HOME).status_code == 200
    password_login(client, professional.username)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_prv08_logout_invalidates_the_session_on_the_server(professional: Any) -> None:
    device = confirmed_device(professional)
    client = Client()
    full_login(client, professional, device)
    old_cookie = session_cookie(client)
    assert client.get(HOME).status_code == 200

    assert client.get(reverse("accounts:logout")).status_code == 405  # POST only (CSRF)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=old_cookie).exists()

    # Someone who copied the old cookie gets nothing.
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = thief.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_prv08_totp_code_cannot_be_used_twice(professional: Any) -> None:
    """django-otp remembers the last accepted time step (last_t) and refuses it again."""
    device = confirmed_device(professional)
    code = totp_code(device)

    first = Client()
    password_login(first, professional.username)
    response = first.post(reverse("accounts:two_factor_verify"), {"token": code})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.last_t >= 0

    # The same code, replayed in a second session within its validity window.
    second = Client()
    password_login(second, professional.username)
    replay = second.post(reverse("accounts:two_factor_verify"), {"token": code})
    assert replay.status_code == 200
    assert "al gebruikt" in replay.content.decode()
    assert second.get(HOME).status_code == 302
    assert log_actions(professional)[-1] == ("login_2fa_failed", Outcome.DENIED)


def test_prv08_backup_code_works_once_only(professional: Any) -> None:
    confirmed_device(professional)
    codes = services.regenerate_backup_codes_unlogged(professional)
    code = codes[0]

    first = Client()
    password_login(first, professional.username)
    # Typed with upper case and a space: still accepted.
    response = first.post(
        reverse("accounts:two_factor_verify"), {"token": f"{code[:4].upper()} {code[4:]}"}
    )
    assert response.status_code == 302
    assert first.get(HOME).status_code == 200
    assert not StaticToken.objects.filter(token=code).exists()
    assert StaticToken.objects.filter(device__user=professional).count() == len(codes) - 1

    second = Client()
    password_login(second, professional.username)
    replay = second.post(reverse("accounts:two_factor_verify"), {"token": code})
    assert replay.status_code == 200
    assert second.get(HOME).status_code == 302


def test_prv08_repeated_wrong_codes_are_throttled(professional: Any, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute's wait, so a slow test run cannot slip by
    device = confirmed_device(professional)
    client = Client()
    password_login(client, professional.username)
    client.post(reverse("accounts:two_factor_verify"), {"token": "111111"})
    # Right after a failure even the right code is refused (exponential back-off).
    response = client.post(reverse("accounts:two_factor_verify"), {"token": totp_code(device)})
    assert response.status_code == 200
    assert "Te veel onjuiste codes" in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_prv08_unsafe_next_is_ignored(professional: Any) -> None:
    device = confirmed_device(professional)
    client = Client()
    password_login(client, professional.username)
    response = client.post(
        reverse("accounts:two_factor_verify"),
        {"token": totp_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def test_prv08_locked_out_page_and_log_are_separate_from_wrong_password(
    professional: Any,
) -> None:
    """A wrong password re-renders the form with an error (no user enumeration)."""
    client = Client()
    response = password_login(client, professional.username, password="nope-nope-nope")
    assert response.status_code == 200
    unknown = password_login(client, "does-not-exist", password="nope-nope-nope")
    assert unknown.status_code == 200
    assert response.context["form"].errors == unknown.context["form"].errors
