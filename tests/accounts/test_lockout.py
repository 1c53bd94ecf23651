"""django-axes locks an account after repeated failed logins (PRV-08)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from passend.privacy.models import AccessLogEntry, Outcome
from tests.accounts.conftest import confirmed_device, log_actions, password_login

pytestmark = pytest.mark.django_db


def test_prv08_lockout_after_five_failures_with_access_log_entry(professional: Any) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    confirmed_device(professional)
    client = Client()
    for attempt in range(1, 5):
        response = password_login(client, professional.username, password=f"wrong-{attempt}")
        assert response.status_code == 200, attempt  # the form again, with an error
        assert "lockout" not in [action for action, _ in log_actions(professional)]

    fifth = password_login(client, professional.username, password="wrong-5")
    assert fifth.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert "Tijdelijk geblokkeerd" in fifth.content.decode()

    entry = AccessLogEntry.objects.filter(action="lockout").get()
    assert entry.actor == professional
    assert entry.outcome == Outcome.DENIED
    assert entry.activity == "authentication"
    assert entry.ip_address == "127.0.0.1"
    assert log_actions(professional).count(("login_failed", Outcome.DENIED)) == 5

    # While locked, even the right password does not log in, from any address.
    other = Client(REMOTE_ADDR="10.1.2.3")
    locked = password_login(other, professional.username)
    assert locked.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert "_auth_user_id" not in other.session
    assert ("login_password", Outcome.ALLOWED) not in log_actions(professional)
    assert AccessLogEntry.objects.filter(action="lockout").count() == 2


def test_prv08_lockout_is_per_account_not_per_school_network(
    professional: Any, coordinator_b: Any
) -> None:
    """Colleagues behind the same NAT address can still log in."""
    client = Client()
    for attempt in range(5):
        password_login(client, professional.username, password=f"wrong-{attempt}")
    colleague = Client()
    response = password_login(colleague, coordinator_b.username)
    assert response.status_code == 302


def test_prv08_success_before_the_limit_resets_the_counter(professional: Any) -> None:
    client = Client()
    for attempt in range(4):
        password_login(client, professional.username, password=f"wrong-{attempt}")
    assert password_login(Client(), professional.username).status_code == 302
    for attempt in range(4):
        response = password_login(client, professional.username, password=f"again-{attempt}")
        assert response.status_code == 200
