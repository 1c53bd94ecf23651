"""An informatiepunt: SWV desk, director, ECT member; a second SWV with its own desk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from passend.access.actor import Actor
from passend.accounts.models import Membership, OrganisationKind, Role, Sector
from passend.inquiries import services
from passend.inquiries.models import Inquiry
from tests.conftest import make_professional
from tests.factories import OrganisationFactory


@dataclass
class Desk:
    region: dict[str, Any]
    desk: Any
    director: Any
    ect: Any
    other_swv: Any
    other_desk: Any

    def actor(self, user: Any) -> Actor:
        return Actor.for_membership(Membership.objects.get(user=user))


@pytest.fixture
def desk(region: dict[str, Any]) -> Desk:
    other = OrganisationFactory(name="SWV Elders", kind=OrganisationKind.SWV, sector=Sector.PO)
    return Desk(
        region=region,
        desk=make_professional(
            region["swv"], Role.INFORMATION_DESK, username="balie", first_name="Bea"
        ),
        director=make_professional(
            region["swv"], Role.SWV_DIRECTOR, username="dir", email="directeur@swv.invalid"
        ),
        ect=make_professional(region["swv"], Role.ECT_MEMBER, username="ect"),
        other_swv=other,
        other_desk=make_professional(other, Role.INFORMATION_DESK, username="balie-elders"),
    )


def registered(desk: Desk, **overrides: Any) -> Inquiry:
    values: dict[str, Any] = {
        "kind": "question",
        "channel": "phone",
        "topic": "Aanvraag arrangement",
        "question": "Hoe vraag ik extra ondersteuning aan voor mijn zoon?",
        "contact_role": "parent",
        "contact_name": "Petra Ouderling",
        "contact_email": "petra@example.invalid",
        "contact_phone": "06-1234 5678",
    }
    values.update(overrides)
    return services.register(desk.actor(desk.desk), **values)


def days_ago(n: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=n)
