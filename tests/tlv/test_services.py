"""TLV procedure services, rule by rule (TLV-01..13, CON-04, ORG-04)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from passend.access.policy import decide_case
from passend.accounts.models import Membership, Role
from passend.consent.models import LegalBasis, LegalGround
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from passend.terms.models import Term
from passend.tlv import services
from passend.tlv.models import (
    Advice,
    FundingCategory,
    Letter,
    Objection,
    Placement,
    SafetyNetOffer,
    Tlv,
    TlvApplication,
)
from tests.conftest import make_professional
from tests.factories import OrganisationFactory
from tests.tlv.conftest import World, advised, prepared, sent_back_to_mdo, submitted

pytestmark = pytest.mark.django_db


def term(application: TlvApplication, code: str) -> Term:
    return Term.objects.get(
        object_type="tlv.tlvapplication", object_id=str(application.pk), rule__code=code
    )


def set_today(monkeypatch: Any, day: dt.date) -> None:
    monkeypatch.setattr(services, "_today", lambda: day)


# --- TLV-01 ---------------------------------------------------------------------------------


def test_r_tlv_01_only_the_school_prepares_and_only_the_board_submits(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.start_application(
            world.actor(world.board_user), pupil=world.pupil, requested_type="vso"
        )
    application = prepared(world)
    with pytest.raises(PermissionDenied):
        services.submit(world.actor(world.coordinator), application)
    services.submit(world.actor(world.board_user), application)
    assert TlvApplication.objects.get(pk=application.pk).status == "submitted"


def test_r_tlv_01_parents_signature_and_view_are_required(world: World) -> None:
    application = prepared(world, parents_seen_on=None, parents_view="")
    missing = services.missing_items(application)
    assert any("voor gezien" in m for m in missing)
    assert any("zienswijze" in m for m in missing)


def test_r_tlv_01_intended_school_fills_steps_3_and_4_only(world: World) -> None:
    application = prepared(world, complete=False)
    with pytest.raises(ValidationError) as error:
        services.update_application(
            world.actor(world.vso_coordinator), application, needs="Iets anders"
        )
    assert "needs" in error.value.message_dict
    services.update_application(world.actor(world.vso_coordinator), application, end_goals="Doel")
    application.refresh_from_db()
    assert application.end_goals == "Doel"


def test_r_tlv_01_intended_school_must_be_of_requested_type(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        services.start_application(
            world.actor(world.coordinator),
            pupil=world.pupil,
            requested_type="so",
            intended_school=world.vso,
        )
    assert "intended_school" in error.value.message_dict


# --- TLV-02 ---------------------------------------------------------------------------------


def test_r_tlv_02_two_named_experts_must_co_sign(world: World) -> None:
    application = prepared(world, expert_2_signed_on=None)
    assert any("tweede deskundige" in m for m in services.missing_items(application))
    application = prepared(world)
    assert services.missing_items(application) == []


def test_r_tlv_02_bsn_in_a_step_is_refused(world: World) -> None:
    application = prepared(world, complete=False)
    with pytest.raises(ValidationError) as error:
        services.update_application(
            world.actor(world.coordinator), application, needs="BSN 123456782"
        )
    assert "needs" in error.value.message_dict


# --- TLV-03 / CON-04 ------------------------------------------------------------------------


def test_r_tlv_03_routes_to_the_committee_serving_the_swv(world: World) -> None:
    other_swv = OrganisationFactory(name="SWV elders", kind="swv", sector="vo")
    other_cva = OrganisationFactory(name="CvA elders", kind="advisory_committee")
    other_cva.served_swvs.add(other_swv)
    application = prepared(world)
    assert application.committee == world.region["cva"]


def test_r_tlv_03_town_decides_between_committees(world: World) -> None:
    school = world.region["school_a"]
    school.town = "Haren"
    school.save()
    local = OrganisationFactory(name="CvA Haren", kind="advisory_committee", town="Haren")
    local.served_swvs.add(world.region["swv"])
    assert services.route_committee(world.region["swv"], school) == local


def test_con_04_submission_gives_cva_and_swv_a_legal_ground(world: World) -> None:
    application = submitted(world)
    grounds = LegalGround.objects.filter(case=application.case, basis=LegalBasis.EXTRA_SUPPORT)
    assert {g.organisation for g in grounds} >= {world.region["cva"], world.region["swv"]}
    # Before triage the secretary is not a participant: no access yet (ORG-04).
    membership = Membership.objects.get(user=world.secretary)
    assert not decide_case(world.secretary, membership, application.case).allowed
    services.triage(world.actor(world.secretary), application, route="secretary")
    access = decide_case(world.secretary, membership, application.case)
    assert access.allowed and access.can_see(DataCategory.DIAGNOSTICS)


# --- TLV-04 ---------------------------------------------------------------------------------


def test_r_tlv_04_receipt_letter_and_terms_on_submission(world: World, monkeypatch: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = submitted(world)
    assert Letter.objects.filter(application=application, kind="receipt").exists()
    assert term(application, "tlv-receipt").completed_on == dt.date(2026, 10, 5)
    assert term(application, "tlv-advice").due_date == dt.date(2026, 11, 2)
    assert term(application, "tlv-overall").due_date == dt.date(2026, 11, 16)


def test_r_tlv_04_incomplete_file_is_suspended_and_restarts(world: World, monkeypatch: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = prepared(world, lovs_summary="")
    application = services.submit(world.actor(world.board_user), application)
    assert application.status == "suspended"
    letter = Letter.objects.get(application=application, kind="incomplete")
    assert any("LOVS" in m for m in letter.missing)
    assert term(application, "tlv-overall").is_suspended
    assert not Term.objects.filter(rule__code="tlv-advice", object_id=str(application.pk)).exists()
    with pytest.raises(ValidationError):
        services.complete_application(world.actor(world.coordinator), application)
    services.update_application(world.actor(world.coordinator), application, lovs_summary="Scores")
    set_today(monkeypatch, dt.date(2026, 10, 15))
    application = services.complete_application(world.actor(world.coordinator), application)
    assert application.status == "submitted"
    overall = term(application, "tlv-overall")
    assert not overall.is_suspended and overall.suspended_days == 10
    assert overall.due_date == dt.date(2026, 11, 26)
    assert term(application, "tlv-advice").due_date == dt.date(2026, 11, 12)


def test_r_tlv_04_advice_term_extends_to_eight_weeks_at_most(
    world: World, monkeypatch: Any
) -> None:
    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = submitted(world)
    services.triage(world.actor(world.secretary), application, route="secretary")
    with pytest.raises(ValidationError):
        services.extend_advice_term(world.actor(world.secretary), application, weeks=2, reason="")
    services.extend_advice_term(
        world.actor(world.secretary), application, weeks=4, reason="Extra onderzoek"
    )
    assert term(application, "tlv-advice").due_date == dt.date(2026, 11, 30)
    with pytest.raises(ValidationError):
        services.extend_advice_term(
            world.actor(world.secretary), application, weeks=1, reason="Nog meer"
        )


def test_r_tlv_04_board_term_starts_at_advice_and_ends_at_decision(
    world: World, monkeypatch: Any
) -> None:
    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = advised(world)
    assert term(application, "tlv-board").due_date == dt.date(2026, 10, 12)
    set_today(monkeypatch, dt.date(2026, 10, 8))
    services.decide(world.actor(world.director), application)
    assert term(application, "tlv-board").completed_on == dt.date(2026, 10, 8)
    assert term(application, "tlv-overall").completed_on == dt.date(2026, 10, 8)
    assert term(application, "tlv-written").completed_on == dt.date(2026, 10, 8)


# --- TLV-05 ---------------------------------------------------------------------------------


def test_r_tlv_05_triage_adds_the_right_cva_members(world: World) -> None:
    application = submitted(world)
    services.triage(world.actor(world.secretary), application, route="secretary_chair")
    users = set(application.case.participants.values_list("user__username", flat=True))
    assert {"secretaris", "voorzitter"} <= users and "arts" not in users


def test_r_tlv_05_cva_breed_goes_to_next_meeting(world: World, monkeypatch: Any) -> None:
    from passend.tlv.models import TlvSettings

    set_today(monkeypatch, dt.date(2026, 10, 5))
    config = TlvSettings.current()
    config.first_cva_meeting = dt.date(2026, 9, 1)
    config.save()
    application = submitted(world)
    services.triage(world.actor(world.secretary), application, route="full")
    application.refresh_from_db()
    assert application.cva_meeting_on == dt.date(2026, 10, 27)
    users = set(application.case.participants.values_list("user__username", flat=True))
    assert {"secretaris", "voorzitter", "arts"} <= users


def test_r_tlv_05_cva_breed_file_lands_on_the_agenda_of_that_meeting(
    world: World, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """TLV-05: a CvA breed file is put on the agenda of the committee's meeting of that day;
    every CvA member is invited to that item (CO-03) and parents are not (AGE-05 via the kind)."""
    from django.core import mail

    from passend.consultations.models import AgendaItem, Meeting

    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = submitted(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.triage(
            world.actor(world.secretary),
            application,
            route="full",
            meeting_on=dt.date(2026, 10, 20),
        )
    item = AgendaItem.objects.select_related("meeting__kind").get(case=application.case)
    meeting = item.meeting
    assert meeting.kind.code == "cva-breed"
    assert meeting.organisation == world.region["cva"]
    assert meeting.status == Meeting.Status.PLANNED
    assert meeting.starts_at.astimezone(dt.UTC).date() == dt.date(2026, 10, 20)
    invited = set(item.invitees.values_list("user__username", flat=True))
    assert {"secretaris", "voorzitter", "arts"} <= invited
    assert item.parents_invited is False
    assert len(mail.outbox) == len(invited)
    assert all(m.attachments and m.attachments[0][0] == "overleg.ics" for m in mail.outbox)
    assert AccessLogEntry.objects.filter(action="add_agenda_item", object_id=str(item.pk)).exists()

    # A second file for the same day joins the same meeting as the next item.
    second = submitted(world)
    services.triage(
        world.actor(world.chair), second, route="full", meeting_on=dt.date(2026, 10, 20)
    )
    other = AgendaItem.objects.get(case=second.case)
    assert other.meeting_id == meeting.pk and other.position == item.position + 1

    # Re-triage to another date moves the file; to the secretary alone takes it off the agenda.
    services.triage(
        world.actor(world.secretary), application, route="full", meeting_on=dt.date(2026, 11, 3)
    )
    moved = AgendaItem.objects.select_related("meeting").get(case=application.case)
    assert moved.meeting.starts_at.astimezone(dt.UTC).date() == dt.date(2026, 11, 3)
    services.triage(world.actor(world.secretary), application, route="secretary")
    assert not AgendaItem.objects.filter(case=application.case).exists()
    assert AgendaItem.objects.filter(case=second.case).exists()


def test_r_tlv_05_cva_members_see_the_file_on_the_meeting_page(
    world: World, coordinator_b: Any, monkeypatch: Any
) -> None:
    """The agenda item is visible to the invited CvA member and hidden from an outsider (CO-03)."""
    from passend.consultations.models import AgendaItem
    from tests.conftest import verified_client

    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = submitted(world)
    services.triage(
        world.actor(world.secretary), application, route="full", meeting_on=dt.date(2026, 10, 20)
    )
    meeting = AgendaItem.objects.get(case=application.case).meeting
    response = verified_client(world.medical).get(f"/overleg/{meeting.pk}/")
    assert response.status_code == 200
    assert application.case.pseudonym in response.content.decode()
    outsider = verified_client(coordinator_b)
    assert outsider.get(f"/overleg/{meeting.pk}/").status_code == 404


def test_r_tlv_05_only_cva_secretary_or_chair_triages(world: World) -> None:
    application = submitted(world)
    with pytest.raises(PermissionDenied):
        services.triage(world.actor(world.medical), application, route="secretary")


# --- TLV-06 ---------------------------------------------------------------------------------


def test_r_tlv_06_assessment_explains_a_missing_criterion(world: World) -> None:
    application = submitted(world)
    services.triage(world.actor(world.secretary), application, route="secretary")
    assessment = services.assess(
        world.actor(world.secretary),
        application,
        disorder_established=True,
        educational_limitation=True,
        care_insufficient=True,
        causal_link=False,
    )
    assert not assessment.met
    assert any(line.startswith("✗") and "Causaal" in line for line in assessment.explanation)
    with pytest.raises(ValidationError) as error:
        services.give_advice(world.actor(world.secretary), application, positive=True)
    assert "positive" in error.value.message_dict


def test_r_tlv_06_experts_disagree_back_to_mdo(world: World, monkeypatch: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = sent_back_to_mdo(world)
    assert application.status == "back_to_mdo"
    assert term(application, "tlv-advice").is_suspended
    services.update_application(world.actor(world.coordinator), application, experts_agree=True)
    set_today(monkeypatch, dt.date(2026, 10, 12))
    application = services.complete_application(world.actor(world.coordinator), application)
    assert application.status == "in_assessment"
    assert term(application, "tlv-advice").due_date == dt.date(2026, 11, 9)


# --- TLV-07 / TLV-11 ------------------------------------------------------------------------


def test_r_tlv_07_category_proposed_and_change_needs_reason(world: World) -> None:
    application = submitted(world, disability="lg")
    services.triage(world.actor(world.secretary), application, route="secretary")
    services.assess(
        world.actor(world.secretary),
        application,
        disorder_established=True,
        educational_limitation=True,
        care_insufficient=True,
    )
    with pytest.raises(ValidationError) as error:
        services.give_advice(world.actor(world.secretary), application, positive=True, category=3)
    assert "category_reason" in error.value.message_dict
    advice = services.give_advice(
        world.actor(world.secretary),
        application,
        positive=True,
        category=3,
        category_reason="Intensieve verzorging nodig",
    )
    assert advice.proposed_category == 2 and advice.category == 3


def test_r_tlv_07_funding_history_and_current_year() -> None:
    rows = FundingCategory.objects.filter(school_year="2014-2015").order_by("category")
    assert [(r.personnel, r.material) for r in rows] == [
        (Decimal("8682.52"), Decimal("371.74")),
        (Decimal("15429.69"), Decimal("703.02")),
        (Decimal("19201.03"), Decimal("850.95")),
    ]
    assert FundingCategory.objects.filter(school_year="2026-2027").count() == 3


def test_r_tlv_11_positive_decision_issues_tlv_with_number_and_dates(
    world: World, monkeypatch: Any
) -> None:
    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = advised(world)
    decision = services.decide(world.actor(world.director), application)
    tlv = Tlv.objects.get(decision=decision)
    assert tlv.number.startswith("TLV2026-")
    assert tlv.swv_id == application.swv_id  # issued by the application's SWV
    assert tlv.start_date == dt.date(2026, 10, 5)
    # VSO runs 2 full school years by default; started mid-year, the rest of this one is extra.
    assert tlv.end_date == dt.date(2029, 7, 31)
    assert tlv.category == 1 and tlv.tlv_type == "vso"
    assert Letter.objects.filter(application=application, kind="decision").exists()


# --- TLV-08 ---------------------------------------------------------------------------------


def test_r_tlv_08_observation_longer_than_12_weeks_is_refused(world: World) -> None:
    application = submitted(world)
    services.triage(world.actor(world.secretary), application, route="secretary")
    start = dt.date(2026, 9, 7)
    with pytest.raises(ValidationError) as error:
        services.start_placement(
            world.actor(world.secretary),
            application,
            kind="observation",
            school=world.vso,
            start_date=start,
            end_date=start + dt.timedelta(weeks=12, days=1),
        )
    assert "12 weken" in str(error.value.message_dict["end_date"])
    placement = services.start_placement(
        world.actor(world.secretary),
        application,
        kind="observation",
        school=world.vso,
        start_date=start,
        end_date=start + dt.timedelta(weeks=12),
    )
    assert placement.max_end_date == dt.date(2026, 11, 30)


def test_r_tlv_08_crisis_counts_school_weeks_and_file_term(world: World) -> None:
    from passend.terms.models import SchoolHoliday

    SchoolHoliday.objects.create(
        name="Herfstvakantie", start_date=dt.date(2026, 10, 17), end_date=dt.date(2026, 10, 25)
    )
    application = submitted(world)
    start = dt.date(2026, 10, 5)
    placement = services.start_placement(
        world.actor(world.coordinator),
        application,
        kind="crisis",
        school=world.vso,
        start_date=start,
        end_date=dt.date(2026, 11, 16),
    )
    # 6 weeks = 16 November; the 9 holiday days push the limit to 25 November.
    assert placement.max_end_date == dt.date(2026, 11, 25)
    file_term = Term.objects.get(object_type="tlv.placement", rule__code="tlv-crisis-file")
    assert file_term.due_date == dt.date(2026, 10, 19)
    with pytest.raises(ValidationError):
        services.start_placement(
            world.actor(world.coordinator),
            application,
            kind="crisis",
            school=world.vso,
            start_date=start,
            end_date=dt.date(2026, 11, 26),
        )
    services.complete_placement_file(world.actor(world.coordinator), placement, on=start)
    ended = services.end_placement(
        world.actor(world.coordinator), placement, outcome=Placement.Outcome.RETURN, on=start
    )
    assert ended.outcome == "return"
    assert not Term.objects.filter(object_type="tlv.placement", completed_on__isnull=True).exists()


def test_r_tlv_08_only_cva_starts_observation(world: World) -> None:
    application = submitted(world)
    with pytest.raises(PermissionDenied):
        services.start_placement(
            world.actor(world.coordinator),
            application,
            kind="observation",
            school=world.vso,
            start_date=dt.date(2026, 9, 7),
            end_date=dt.date(2026, 9, 20),
        )


# --- TLV-09 ---------------------------------------------------------------------------------


def _negative(world: World) -> TlvApplication:
    application = submitted(world)
    services.triage(world.actor(world.secretary), application, route="secretary")
    services.assess(world.actor(world.secretary), application)
    services.give_advice(
        world.actor(world.secretary), application, positive=False, motivation="Niet onderbouwd"
    )
    return application


def test_r_tlv_09_intended_negative_needs_conversation_and_cva_breed(world: World) -> None:
    application = _negative(world)
    advice = Advice.objects.get(application=application)
    assert advice.status == Advice.Status.INTENDED_NEGATIVE and not advice.is_final
    assert advice.shared_with_school_on is not None
    with pytest.raises(ValidationError) as error:
        services.finalise_negative_advice(world.actor(world.secretary), application)
    assert {"conversation_on", "triage"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError):
        services.decide(world.actor(world.director), application)
    services.record_conversation(
        world.actor(world.secretary),
        application,
        held_on=advice.shared_with_school_on,
        notes="School en ouders gehoord.",
    )
    services.triage(
        world.actor(world.secretary), application, route="full", meeting_on=dt.date(2027, 1, 5)
    )
    services.finalise_negative_advice(world.actor(world.secretary), application)
    decision = services.decide(world.actor(world.director), application)
    assert not decision.positive
    assert SafetyNetOffer.objects.filter(decision=decision).exists()
    assert not Tlv.objects.exists()


# --- TLV-10 ---------------------------------------------------------------------------------


def test_r_tlv_10_objection_path_with_terms(world: World, monkeypatch: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = advised(world)
    decision = services.decide(world.actor(world.director), application)
    actor = world.actor(world.director)
    set_today(monkeypatch, dt.date(2026, 12, 1))
    with pytest.raises(ValidationError) as error:
        services.lodge_objection(
            actor, decision, lodged_by="parents", received_on=dt.date(2026, 11, 17)
        )
    assert "6 weken" in str(error.value.message_dict["received_on"])
    objection = services.lodge_objection(
        actor, decision, lodged_by="parents", received_on=dt.date(2026, 11, 16)
    )
    referral = Term.objects.get(object_id=str(objection.pk), rule__code="tlv-objection-referral")
    final = Term.objects.get(object_id=str(objection.pk), rule__code="tlv-objection-decision")
    assert referral.due_date == dt.date(2026, 11, 30)
    assert final.due_date == dt.date(2027, 2, 8)
    with pytest.raises(ValidationError):
        services.decide_objection(actor, objection, outcome="rejected", on=dt.date(2026, 12, 1))
    services.refer_objection(actor, objection, on=dt.date(2026, 11, 20))
    services.schedule_hearing(actor, objection, on=dt.date(2027, 1, 10))
    services.decide_objection(actor, objection, outcome="rejected", on=dt.date(2026, 12, 1))
    services.register_appeal(actor, objection, on=dt.date(2026, 12, 1))
    objection.refresh_from_db()
    assert objection.outcome == Objection.Outcome.REJECTED and objection.appeal_on
    assert not Term.objects.filter(object_type="tlv.objection", completed_on__isnull=True).exists()


def test_r_tlv_10_only_the_swv_registers_objections(world: World) -> None:
    application = advised(world)
    decision = services.decide(world.actor(world.director), application)
    with pytest.raises(PermissionDenied):
        services.lodge_objection(
            world.actor(world.coordinator),
            decision,
            lodged_by="board",
            received_on=decision.decided_on,
        )


# --- TLV-12 / TLV-13 ------------------------------------------------------------------------


def test_r_tlv_12_by_gavel_only_for_positive_advice(world: World) -> None:
    application = submitted(world)
    services.triage(world.actor(world.secretary), application, route="secretary")
    services.assess(world.actor(world.secretary), application)
    with pytest.raises(ValidationError) as error:
        services.give_advice(
            world.actor(world.secretary), application, positive=False, by_gavel=True, motivation="x"
        )
    assert "by_gavel" in error.value.message_dict


def test_r_tlv_13_exit_perspective_in_order_and_prognosis_term(
    world: World, monkeypatch: Any
) -> None:
    set_today(monkeypatch, dt.date(2026, 10, 5))
    application = advised(world)
    decision = services.decide(world.actor(world.director), application)
    tlv = decision.tlv
    prognosis = Term.objects.get(object_type="tlv.tlv", object_id=str(tlv.pk))
    assert prognosis.due_date == dt.date(2026, 11, 16)
    services.collect(world.actor(world.vso_coordinator), tlv)
    with pytest.raises(ValidationError):
        services.record_exit_perspective(
            world.actor(world.vso_coordinator), tlv, stage="definitive", perspective="labour"
        )
    services.record_exit_perspective(
        world.actor(world.vso_coordinator), tlv, stage="prognosis", perspective="labour"
    )
    prognosis.refresh_from_db()
    assert prognosis.completed_on is not None


# --- ORG-02 / ORG-04 ------------------------------------------------------------------------


def test_org_02_director_of_another_swv_cannot_decide(world: World) -> None:
    application = advised(world)
    other = OrganisationFactory(name="Ander SWV", kind="swv", sector="vo")
    outsider = make_professional(other, Role.SWV_DIRECTOR, username="ander")
    with pytest.raises(PermissionDenied):
        services.decide(world.actor(outsider), application)


def test_every_step_is_logged(world: World) -> None:
    application = advised(world)
    actions = set(
        AccessLogEntry.objects.filter(activity="tlv_procedure").values_list("action", flat=True)
    )
    assert {"create", "update", "submit", "triage", "assess", "advice"} <= actions
    assert application.status == "advised"
