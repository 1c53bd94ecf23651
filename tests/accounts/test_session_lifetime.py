"""Idle timeout (30 min) and absolute session lifetime (12 h), enforced on the server (PRV-08)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from passend.accounts.middleware import SESSION_AUTH_AT, SESSION_LAST_SEEN
from passend.privacy.models import Outcome
from tests.accounts.conftest import confirmed_device, full_login, log_actions, session_cookie

pytestmark = pytest.mark.django_db

MINUTE = 60.0
HOUR = 60 * MINUTE


def _shift(client: Client, **stamps: float) -> None:
    """Moves the session's clock stamps into the past, as if time had passed."""
    session = client.session
    for key, seconds_ago in stamps.items():
        session[key] = time.time() - seconds_ago
    session.save()


@pytest.fixture
def signed_in(professional: Any) -> Client:
    client = Client()
    full_login(client, professional, confirmed_device(professional))
    assert client.get("/").status_code == 200
    return client


def test_prv08_idle_for_29_minutes_is_fine(signed_in: Client) -> None:
    _shift(signed_in, **{SESSION_LAST_SEEN: 29 * MINUTE})
    assert signed_in.get("/").status_code == 200


def test_prv08_idle_timeout_after_30_minutes(signed_in: Client, professional: Any) -> None:
    key = session_cookie(signed_in)
    _shift(signed_in, **{SESSION_LAST_SEEN: 30 * MINUTE + 5})
    response = signed_in.get("/accounts/security/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=%2Faccounts%2Fsecurity%2F"
    assert not Session.objects.filter(session_key=key).exists()
    assert log_actions(professional)[-1] == ("session_expired", Outcome.ALLOWED)
    login_page = signed_in.get(response["Location"])
    assert "Uw sessie is verlopen" in login_page.content.decode()
    # Gone for good: the next request is anonymous.
    assert signed_in.get("/")["Location"].startswith(reverse("accounts:login"))


def test_prv08_activity_keeps_the_session_alive(signed_in: Client) -> None:
    _shift(signed_in, **{SESSION_LAST_SEEN: 20 * MINUTE})
    assert signed_in.get("/").status_code == 200
    last_seen = signed_in.session[SESSION_LAST_SEEN]
    assert time.time() - last_seen < MINUTE


def test_prv08_absolute_lifetime_of_12_hours_despite_activity(signed_in: Client) -> None:
    _shift(signed_in, **{SESSION_AUTH_AT: 11 * HOUR + 59 * MINUTE, SESSION_LAST_SEEN: 1})
    assert signed_in.get("/").status_code == 200
    _shift(signed_in, **{SESSION_AUTH_AT: 12 * HOUR + 5, SESSION_LAST_SEEN: 1})
    response = signed_in.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_prv08_session_without_login_stamps_is_not_trusted(signed_in: Client) -> None:
    session = signed_in.session
    del session[SESSION_AUTH_AT]
    session.save()
    assert signed_in.get("/").status_code == 302


def test_prv08_login_stamps_the_session(professional: Any) -> None:
    client = Client()
    full_login(client, professional, confirmed_device(professional))
    now = time.time()
    assert now - client.session[SESSION_AUTH_AT] < MINUTE
    assert now - client.session[SESSION_LAST_SEEN] < MINUTE
