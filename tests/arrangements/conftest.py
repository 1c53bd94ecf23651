"""An arrangements region: school A (applicant), ECT member, SWV director, a second SWV."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from passend.access.actor import Actor
from passend.accounts.models import Membership, OrganisationKind, Role, Sector
from passend.arrangements import services
from passend.arrangements.models import Arrangement, ArrangementKind
from tests.access.helpers import make_pupil
from tests.conftest import make_professional
from tests.factories import OrganisationFactory

START = timezone.localdate() - dt.timedelta(days=30)

EXTRA_FIELDS = [
    {"name": "hours", "label": "Uren per week", "type": "number", "required": True},
    {"name": "form", "label": "Vorm", "type": "choice", "choices": ["individueel", "groep"]},
    {"name": "start_wish", "label": "Startwens", "type": "date"},
    {"name": "provider", "label": "Aanbieder", "type": "text"},
]


@dataclass
class World:
    region: dict[str, Any]
    kind: ArrangementKind
    coordinator: Any
    ect: Any
    director: Any
    pupil: Any
    other_swv: Any

    def actor(self, user: Any) -> Actor:
        return Actor.for_membership(Membership.objects.get(user=user))


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> World:
    kind = ArrangementKind.objects.create(
        swv=region["swv"],
        name="Flexplek",
        description="Tijdelijke plek met extra begeleiding.",
        extra_fields=EXTRA_FIELDS,
        duration_length=12,
        duration_unit="weeks",
        budget_per_school_year=Decimal("20000.00"),
        min_amount=Decimal("100.00"),
        max_amount=Decimal("15000.00"),
    )
    other = OrganisationFactory(name="SWV Ander", kind=OrganisationKind.SWV, sector=Sector.VO)
    return World(
        region=region,
        kind=kind,
        coordinator=coordinator_a,
        ect=make_professional(region["swv"], Role.ECT_MEMBER, username="ect-lid"),
        director=make_professional(region["swv"], Role.SWV_DIRECTOR, username="swv-dir"),
        pupil=make_pupil(
            region["school_a"],
            first_name="Ada",
            last_name="Arrangeer",
            birth_date=dt.date(2012, 1, 5),
        ),
        other_swv=other,
    )


def applied(world: World, pupil: Any = None, **overrides: Any) -> Arrangement:
    values = {
        "kind": world.kind,
        "pupil": pupil or world.pupil,
        "support_need": "Rust en structuur; doel: weer volledig naar de les.",
        "values": {"hours": "4", "form": "groep"},
        "quote_amount": Decimal("8682.52"),
        "requested_start": START,
    }
    values.update(overrides)
    return services.apply(world.actor(world.coordinator), **values)


def advised(world: World, **overrides: Any) -> Arrangement:
    arrangement = applied(world, **overrides)
    services.advise(
        world.actor(world.ect), arrangement, outcome="grant", text="Passend bij de vraag."
    )
    arrangement.refresh_from_db()
    return arrangement


def granted(world: World, amount: Decimal | None = None, **overrides: Any) -> Arrangement:
    arrangement = advised(world, **overrides)
    services.decide(
        world.actor(world.director),
        arrangement,
        granted=True,
        motivation="Conform advies.",
        amount=amount,
    )
    arrangement.refresh_from_db()
    return arrangement
