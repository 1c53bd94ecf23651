"""Fixtures for subject requests (issue 8): an SWV with its FG and a school with a pupil."""

from __future__ import annotations

from typing import Any

import pytest

from passend.access.actor import Actor
from passend.accounts.models import Membership, Role
from tests.access.helpers import make_pupil
from tests.conftest import make_professional


@pytest.fixture
def fg(region: dict[str, Any]) -> Any:
    return make_professional(
        region["swv"], Role.PRIVACY_OFFICER, username="fg-h8a", email="fg@swv.example"
    )


@pytest.fixture
def fg_actor(fg: Any) -> Actor:
    return Actor.for_membership(Membership.objects.get(user=fg))


@pytest.fixture
def pupil(region: dict[str, Any]) -> Any:
    return make_pupil(region["school_a"], first_name="Sem", last_name="Verzoeker")


@pytest.fixture
def other_pupil(region: dict[str, Any]) -> Any:
    return make_pupil(region["school_b"], first_name="Zwaantje", last_name="Anderling")
