"""Fixtures of the attendance tests: a VO school with imported pupils (Magister numbers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from passend.access.actor import Actor
from passend.accounts.models import Membership, Role
from passend.pupils.models import Enrolment, Pupil
from tests.conftest import make_professional


def make_pupil(school: Any, key: str, *, source: str = "magister", **kwargs: Any) -> Pupil:
    pupil = Pupil.objects.create(
        first_name=kwargs.pop("first_name", f"Kees{key}"),
        last_name=kwargs.pop("last_name", "Verzuimer"),
        birth_date=kwargs.pop("birth_date", dt.date(2011, 5, 1)),
        source_school=school,
        source_system=source,
        source_key=key,
    )
    Enrolment.objects.create(pupil=pupil, school=school, start_date=dt.date(2020, 8, 1))
    return pupil


@pytest.fixture
def pupils(region: dict[str, Any]) -> list[Pupil]:
    return [make_pupil(region["school_a"], key) for key in ("1001", "1002", "1003")]


@pytest.fixture
def coordinator_actor(coordinator_a: Any) -> Actor:
    return Actor.for_membership(Membership.objects.get(user=coordinator_a))


@pytest.fixture
def officer(region: dict[str, Any]) -> Any:
    return make_professional(region["municipality"], Role.ATTENDANCE_OFFICER, username="lpa")


@pytest.fixture
def officer_actor(officer: Any) -> Actor:
    return Actor.for_membership(Membership.objects.get(user=officer))
