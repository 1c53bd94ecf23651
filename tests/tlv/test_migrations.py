"""Data migrations of the TLV app."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from passend.cases.models import Participant
from passend.tlv import report_figures, services
from passend.tlv.models import ApplicationFigures, Tlv, TlvApplication
from tests.factories import OrganisationFactory
from tests.tlv.conftest import World, advised, prepared, submitted

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


def test_tlv_04_migration_marks_the_participations_of_decided_applications(world: World) -> None:
    """tlv 0007 (issue 10): on an existing installation every participation of a case whose
    application is decided or withdrawn gets ``case_tlv_ended_at`` (the application's last
    change), the others none."""
    from django.apps import apps

    decided, withdrawn, waiting = advised(world), submitted(world), submitted(world)
    services.decide(world.actor(world.director), decided)
    TlvApplication.objects.filter(pk=withdrawn.pk).update(status=TlvApplication.Status.WITHDRAWN)
    Participant.objects.update(case_tlv_ended_at=None)
    migration = importlib.import_module(
        "passend.tlv.migrations.0007_participations_of_decided_applications"
    )
    migration._fill(apps, None)
    changed = dict(TlvApplication.objects.values_list("case_id", "updated_at"))
    marks = list(Participant.objects.values_list("case_id", "case_tlv_ended_at"))
    assert {case for case, mark in marks if mark} == {decided.case_id, withdrawn.case_id}
    assert all(mark == changed[case] for case, mark in marks if mark)
    assert {case for case, mark in marks if mark is None} == {waiting.case_id}


def test_tlv_report_migration_fills_the_figures_of_every_submitted_application(
    world: World,
) -> None:
    """tlv 0008 (issue 10): on an existing installation every submitted application gets the
    report's figures row, computed from its own rows with the migration's historical models;
    a draft gets none."""
    decided, waiting, draft = advised(world), submitted(world), prepared(world)
    services.decide(world.actor(world.director), decided)
    expected = report_figures.compute([decided.pk, waiting.pk])
    ApplicationFigures.objects.all().delete()
    migration = importlib.import_module("passend.tlv.migrations.0008_application_figures")
    state = MigrationLoader(connection).project_state(("tlv", "0008_application_figures"))
    migration._fill(state.apps, None)
    rows = ApplicationFigures.objects.order_by("pk")
    assert [r.pk for r in rows] == sorted([decided.pk, waiting.pk]) and draft.pk not in rows
    assert report_figures.compute([decided.pk, waiting.pk]) == expected
    assert {r.pk: r.status for r in rows} == {decided.pk: "decided", waiting.pk: "submitted"}
    assert rows.get(pk=decided.pk).overall_completed == 1
