"""The TLV report's figures per application (``ApplicationFigures``, issue 10) are kept in step
by every service that changes what they count: after each step of the procedure the stored
row equals the row computed afresh from the application, its advice, decision and TLV-04
terms, and the report's statistics equal the former computation from those rows themselves
(TLV-04 terms and suspension, TLV-05 triage, TLV-09 negative advice, TLV-12 hamerslag)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from passend.tlv import report_figures, services
from passend.tlv import selectors as sel
from passend.tlv.models import ApplicationFigures, TlvApplication
from tests.reports.test_tlv_report_perf import _reference_statistics
from tests.tlv.conftest import CRITERIA_MET, World, prepared, sent_back_to_mdo, submitted

pytestmark = pytest.mark.django_db


def _set_today(monkeypatch: Any, day: dt.date) -> None:
    monkeypatch.setattr(services, "_today", lambda: day)


def _stored(application: TlvApplication) -> dict[str, Any]:
    columns = [field.attname for field in ApplicationFigures._meta.concrete_fields]
    return ApplicationFigures.objects.filter(pk=application.pk).values(*columns).get()


def _in_step(application: TlvApplication) -> dict[str, Any]:
    """The stored figures, asserted equal to those computed now from the rows they copy."""
    (fresh,) = report_figures.compute([application.pk])
    stored = _stored(application)
    assert stored == fresh
    return stored


def _report_equals_the_former_computation(world: World, today: dt.date) -> None:
    kwargs: dict[str, Any] = {
        "swv_ids": [world.region["swv"].pk],
        "start": dt.date(2026, 8, 1),
        "end": dt.date(2027, 7, 31),
        "today": today,
    }
    assert asdict(sel.statistics(**kwargs)) == asdict(_reference_statistics(**kwargs))
    # TLV-12: the SWV's signals about school boards, as counted before issue 10's figures.
    swv = world.region["swv"]
    former = (
        TlvApplication.objects.filter(swv=swv, submitted_on__isnull=False)
        .values("board")
        .annotate(
            total=Count("id", distinct=True),
            incomplete=Count("id", filter=Q(letters__kind="incomplete"), distinct=True),
            gavel=Count("id", filter=Q(advice__by_gavel=True), distinct=True),
            negative=Count("id", filter=Q(decision__positive=False), distinct=True),
        )
        .order_by("board")
    )
    assert [
        (s.board.pk, s.applications, s.incomplete_share, s.by_gavel_share, s.negative_share)
        for s in sel.board_signals(swv)
    ] == [
        (f["board"], f["total"], *(f[k] / f["total"] for k in ("incomplete", "gavel", "negative")))
        for f in former
    ]


def test_a_draft_has_no_figures(world: World) -> None:
    application = prepared(world)
    assert not ApplicationFigures.objects.filter(pk=application.pk).exists()


def test_positive_path_keeps_the_figures_in_step(world: World, monkeypatch: Any) -> None:
    _set_today(monkeypatch, dt.date(2026, 10, 5))
    application = submitted(world)
    row = _in_step(application)
    # TLV-04: the receipt confirmed at once; the overall and advice terms run.
    assert (row["status"], row["submitted_on"]) == ("submitted", dt.date(2026, 10, 5))
    assert (row["receipt_completed"], row["receipt_within"], row["receipt_days"]) == (1, 1, 0)
    assert (row["overall_open"], row["advice_open"], row["decision_open"]) == (1, 1, 0)
    assert row["advice_due"] == dt.date(2026, 11, 2) and row["triage_key"] == ""
    assert row["incomplete_letter"] is False

    services.triage(world.actor(world.secretary), application, route="secretary")
    assert _in_step(application)["triage_key"] == "secretary"
    services.assess(world.actor(world.secretary), application, **CRITERIA_MET)
    _in_step(application)
    services.extend_advice_term(
        world.actor(world.secretary), application, weeks=2, reason="Extra onderzoek"
    )
    assert _in_step(application)["advice_due"] == dt.date(2026, 11, 16)
    _set_today(monkeypatch, dt.date(2026, 10, 20))
    services.give_advice(world.actor(world.secretary), application, positive=True, by_gavel=True)
    row = _in_step(application)
    assert (row["status"], row["positive_advice"], row["by_gavel"]) == ("advised", True, True)
    assert (row["advice_completed"], row["advice_days"], row["advice_open"]) == (1, 15, 0)
    assert (row["decision_open"], row["decision_due"]) == (1, dt.date(2026, 10, 27))

    _set_today(monkeypatch, dt.date(2026, 10, 30))  # three days late (TLV-04: one week)
    services.decide(world.actor(world.director), application)
    row = _in_step(application)
    assert (row["status"], row["positive_decision"], row["negative_decision"]) == (
        "decided",
        True,
        False,
    )
    assert (row["decision_completed"], row["decision_within"], row["decision_days"]) == (1, 0, 10)
    assert (row["overall_completed"], row["overall_open"], row["written_completed"]) == (1, 0, 1)
    _report_equals_the_former_computation(world, dt.date(2026, 11, 1))


def test_suspension_and_negative_path_keep_the_figures_in_step(
    world: World, monkeypatch: Any
) -> None:
    _set_today(monkeypatch, dt.date(2026, 10, 5))
    application = prepared(world, lovs_summary="")
    application = services.submit(world.actor(world.board_user), application)
    row = _in_step(application)
    # TLV-04 "opgeschort": the overall term stands still, so it is not overdue-able.
    assert (row["status"], row["overall_open"], row["overall_due"]) == ("suspended", 1, None)
    assert (row["overall_suspended"], row["overall_suspended_since"]) == (1, dt.date(2026, 10, 5))
    assert row["advice_open"] == 0 and row["incomplete_letter"] is True  # TLV-12's signal
    services.update_application(
        world.actor(world.coordinator), application, lovs_summary="Scores", requested_type="so"
    )
    assert _in_step(application)["requested_type"] == "so"
    _set_today(monkeypatch, dt.date(2026, 10, 15))
    application = services.complete_application(world.actor(world.coordinator), application)
    row = _in_step(application)
    assert (row["overall_suspended"], row["overall_suspended_days"]) == (1, 10)
    assert row["overall_suspended_since"] is None and row["overall_due"] is not None
    _report_equals_the_former_computation(world, dt.date(2026, 10, 20))

    services.triage(world.actor(world.secretary), application, route="secretary")
    _in_step(application)
    services.suspend_incomplete(world.actor(world.secretary), application, ["Het OPP ontbreekt."])
    row = _in_step(application)
    assert (row["status"], row["advice_due"]) == ("suspended", None)
    _report_equals_the_former_computation(world, dt.date(2026, 10, 25))
    _set_today(monkeypatch, dt.date(2026, 10, 22))
    application = services.complete_application(world.actor(world.coordinator), application)
    _in_step(application)

    services.triage(world.actor(world.secretary), application, route="secretary")
    services.assess(world.actor(world.secretary), application)
    services.give_advice(
        world.actor(world.secretary), application, positive=False, motivation="Niet onderbouwd"
    )
    row = _in_step(application)
    assert (row["positive_advice"], row["advice_open"]) == (False, 1)  # TLV-09: intended only
    services.record_conversation(
        world.actor(world.secretary),
        application,
        held_on=dt.date(2026, 10, 22),
        notes="School en ouders gehoord.",
    )
    services.triage(
        world.actor(world.secretary), application, route="full", meeting_on=dt.date(2027, 1, 5)
    )
    # TLV-05: CvA breed without a completed advice term yet counts as later.
    assert _in_step(application)["triage_key"] == "full_later"
    _set_today(monkeypatch, dt.date(2026, 11, 2))
    services.finalise_negative_advice(world.actor(world.secretary), application)
    row = _in_step(application)
    # The advice term ran 5-10 to 2-11 with 17 days suspended: 11 days, CvA breed within 4 weeks.
    assert (row["advice_completed"], row["advice_days"], row["triage_key"]) == (1, 11, "full_4")
    services.decide(world.actor(world.director), application)
    row = _in_step(application)
    assert (row["status"], row["positive_decision"], row["positive_advice"]) == (
        "decided",
        False,
        False,
    )
    assert row["negative_decision"] is True
    _report_equals_the_former_computation(world, dt.date(2026, 11, 5))


def test_back_to_mdo_keeps_the_figures_in_step(world: World, monkeypatch: Any) -> None:
    _set_today(monkeypatch, dt.date(2026, 10, 5))
    application = sent_back_to_mdo(world)
    row = _in_step(application)
    assert (row["status"], row["advice_due"], row["overall_due"]) == ("back_to_mdo", None, None)
    services.update_application(world.actor(world.coordinator), application, experts_agree=True)
    _set_today(monkeypatch, dt.date(2026, 10, 12))
    application = services.complete_application(world.actor(world.coordinator), application)
    row = _in_step(application)
    assert (row["status"], row["advice_due"]) == ("in_assessment", dt.date(2026, 11, 9))


def test_refresh_writes_updates_and_removes_in_bulk(world: World, monkeypatch: Any) -> None:
    """The generator's and the migration's path: many applications at once, a changed row
    updated, the row of an application no longer submitted removed."""
    _set_today(monkeypatch, dt.date(2026, 10, 5))
    application = submitted(world)
    ApplicationFigures.objects.all().delete()
    assert report_figures.refresh([application.pk]) == 1
    _in_step(application)
    TlvApplication.objects.filter(pk=application.pk).update(status="withdrawn")
    report_figures.refresh([application.pk])
    assert _in_step(application)["status"] == "withdrawn"
    TlvApplication.objects.filter(pk=application.pk).update(submitted_on=None)
    assert report_figures.refresh([application.pk]) == 0
    assert not ApplicationFigures.objects.exists()


def test_the_command_checks_and_writes_the_figures_afresh(world: World, monkeypatch: Any) -> None:
    """After rows were changed outside the services (a restore), ``--check`` names how many
    applications differ (none by name) and fails; without it the figures are written afresh."""
    _set_today(monkeypatch, dt.date(2026, 10, 5))
    application = submitted(world)
    call_command("tlv_report_figures", "--check", stdout=StringIO())
    TlvApplication.objects.filter(pk=application.pk).update(status="withdrawn")
    with pytest.raises(CommandError, match="De cijfers van 1 TLV-aanvragen wijken af"):
        call_command("tlv_report_figures", "--check", stdout=StringIO())
    out = StringIO()
    call_command("tlv_report_figures", stdout=out)
    assert "Cijfers van 1 ingediende TLV-aanvragen berekend." in out.getvalue()
    assert _in_step(application)["status"] == "withdrawn"
    ApplicationFigures.objects.all().delete()  # a missing row counts too
    with pytest.raises(CommandError):
        call_command("tlv_report_figures", "--check", stdout=StringIO())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_extending_the_advice_term_holds_the_application_first(
    world: World, monkeypatch: Any
) -> None:
    """As every service that changes what the report counts: beside another service on the
    same application (a triage), each would otherwise compute the figures without the other's
    uncommitted change, and the later write would lose the earlier one's."""
    _set_today(monkeypatch, dt.date(2026, 10, 5))
    application = submitted(world)
    services.triage(world.actor(world.secretary), application, route="secretary")
    with CaptureQueriesContext(connection) as queries:
        services.extend_advice_term(
            world.actor(world.secretary), application, weeks=2, reason="Extra onderzoek"
        )
    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    first = next(i for i, s in enumerate(sql) if 'FROM "tlv_tlvapplication"' in s)
    assert sql[first].endswith("FOR UPDATE")
    assert not any('UPDATE "terms_term"' in s for s in sql[:first])
