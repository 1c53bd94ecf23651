"""Data migrations of the TLV app."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from passend.tlv import services
from passend.tlv.models import Tlv
from tests.factories import OrganisationFactory
from tests.tlv.conftest import World, advised

pytestmark = pytest.mark.django_db


def test_tlv11_migration_gives_each_existing_tlv_the_swv_of_its_application(
    world: World,
) -> None:
    """tlv 0004 (issue 10): a TLV issued before the TLV had its own SWV column gets the SWV of
    its application (0005 then makes the column required). Run here with the models as they
    were at 0004, on a TLV whose column holds another organisation."""
    application = advised(world)
    decision = services.decide(world.actor(world.director), application)
    Tlv.objects.filter(decision=decision).update(swv=OrganisationFactory())
    migration = importlib.import_module("passend.tlv.migrations.0004_tlv_swv")
    state = MigrationLoader(connection).project_state(("tlv", "0004_tlv_swv"))
    migration.fill_swv(state.apps, None)
    assert Tlv.objects.get(decision=decision).swv_id == application.swv_id
