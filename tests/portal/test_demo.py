"""The demo region has a portal identity for one guardian and one youth of 16+."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from passend.accounts.demo import format_logins, load_demo
from passend.portal.models import PortalIdentity
from tests.portal.conftest import portal_client

pytestmark = pytest.mark.django_db


def test_demo_guardian_and_youth_can_sign_in(db: Any) -> None:
    region = load_demo()
    text = format_logins(region)
    assert "/portaal/inloggen/" in text
    assert "ouder.demo@example.org" in text and "jongere.demo@example.org" in text
    assert PortalIdentity.objects.count() == 2
    for email in ("ouder.demo@example.org", "jongere.demo@example.org"):
        client = portal_client(email)
        overview = client.get(reverse("portal:overview"))
        assert overview.status_code == 200
        assert "Demo-" in overview.content.decode()  # sees the demo pupil
    assert load_demo().changes == 0  # idempotent
