"""Data migrations of the TLV app."""

from __future__ import annotations

import datetime as dt
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


def test_board_signals_migration_fills_the_letter_and_the_negative_decision(
    world: World,
) -> None:
    """tlv 0009 (issue 10): the two figures of the SWV's signals about school boards (TLV-12)
    are filled for the applications of an existing installation."""
    incomplete = submitted(world, lovs_summary="")  # opgeschort: an "onvolledig" letter
    negative = submitted(world)
    secretary = world.actor(world.secretary)
    services.triage(secretary, negative, route="secretary")
    services.assess(secretary, negative)
    services.give_advice(secretary, negative, positive=False, motivation="Niet onderbouwd")
    # TLV-09: negative only after the conversation and the CvA breed.
    services.record_conversation(
        secretary, negative, held_on=dt.date.today(), notes="School en ouders gehoord."
    )
    services.triage(
        secretary, negative, route="full", meeting_on=dt.date.today() + dt.timedelta(days=7)
    )
    services.finalise_negative_advice(secretary, negative)
    services.decide(world.actor(world.director), negative)
    expected = report_figures.compute([incomplete.pk, negative.pk])
    assert [(r["incomplete_letter"], r["negative_decision"]) for r in expected] == [
        (True, False),
        (False, True),
    ]
    ApplicationFigures.objects.update(incomplete_letter=False, negative_decision=False)
    migration = importlib.import_module("passend.tlv.migrations.0009_board_signals_figures")
    state = MigrationLoader(connection).project_state(("tlv", "0009_board_signals_figures"))
    migration._fill(state.apps, None)
    stored = ApplicationFigures.objects.order_by("pk").values(*expected[0])
    assert report_figures.compute([incomplete.pk, negative.pk]) == expected == list(stored)
