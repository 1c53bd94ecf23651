"""CO-05 1 kind 1 plan, CO-06 escalation, OPP (TLV-13, CON-04, AGE-04), 'Mijn acties'."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from passend.consultations import services
from passend.consultations.models import Plan, PlanRevision
from passend.privacy.models import AccessLogEntry
from passend.terms.selectors import terms_for
from tests.cases.screens import actor, add_partner, api_client, ggd_org
from tests.conftest import make_professional, verified_client
from tests.consultations.builders import case_for, pupil_named, to_plan_phase

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def plan(region: dict[str, Any], coordinator_a: Any) -> Plan:
    case = to_plan_phase(
        coordinator_a, case_for(coordinator_a, pupil_named(region["school_a"], "Gijs", "Hofstede"))
    )
    return services.create_plan(
        actor(coordinator_a), case, starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=120)
    )


def test_co_05_one_plan_per_case_from_the_plan_phase_with_a_casusregisseur(
    region: dict[str, Any], coordinator_a: Any, plan: Plan
) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_plan(actor(coordinator_a), plan.case, starts_on=TODAY, ends_on=TODAY)
    assert "1 kind 1 plan" in str(error.value)
    early = case_for(coordinator_a, pupil_named(region["school_a"], "Hanna", "Ietsma"))
    with pytest.raises(ValidationError) as error:
        services.create_plan(actor(coordinator_a), early, starts_on=TODAY, ends_on=TODAY)
    assert "CO-02" in str(error.value) or "ORG-03" in str(error.value)


def test_co_05_goals_per_party_actions_and_history(coordinator_a: Any, plan: Plan) -> None:
    a = actor(coordinator_a)
    goal = services.add_goal(a, plan, party="youth", description="Drie dagen per week naar school")
    services.add_goal(a, plan, party="parents", description="Ochtendritme thuis")
    with pytest.raises(ValidationError) as error:
        services.add_goal(a, plan, party="buurman", description="x")
    assert "CO-05" in str(error.value.message_dict["party"])
    action = services.add_action(
        a,
        plan,
        description="Rooster aanpassen",
        owner_party="school",
        due_date=TODAY,
        owner=coordinator_a,
        goal=goal,
    )
    services.change_goal(a, goal, description="Vier dagen per week naar school")
    services.set_action_status(a, action, status="done")
    revisions = list(PlanRevision.objects.filter(plan=plan).order_by("version"))
    assert [r.version for r in revisions] == [1, 2, 3, 4, 5, 6]
    # The history keeps the earlier wording of the goal.
    texts = [g["description"] for r in revisions for g in r.snapshot["goals"]]
    assert "Drie dagen per week naar school" in texts and "Vier dagen per week naar school" in texts
    plan.refresh_from_db()
    assert plan.version == 6


def test_co_05_action_owner_is_a_participant(
    coordinator_a: Any, coordinator_b: Any, plan: Plan
) -> None:
    with pytest.raises(ValidationError) as error:
        services.add_action(
            actor(coordinator_a),
            plan,
            description="x",
            owner_party="school",
            due_date=TODAY,
            owner=coordinator_b,
        )
    assert "ORG-04" in str(error.value.message_dict["owner"])


def test_co_05_my_actions_across_cases_for_the_casusregisseur(
    region: dict[str, Any], coordinator_a: Any, plan: Plan
) -> None:
    other = services.create_plan(
        actor(coordinator_a),
        to_plan_phase(
            coordinator_a,
            case_for(coordinator_a, pupil_named(region["school_a"], "Ilse", "Jansma")),
        ),
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=30),
    )
    services.add_action(
        actor(coordinator_a),
        plan,
        description="Gesprek ouders",
        owner_party="school",
        due_date=TODAY,
    )
    done = services.add_action(
        actor(coordinator_a),
        other,
        description="Aanmelden jeugdhulp",
        owner_party="youth_care",
        due_date=TODAY,
    )
    services.add_action(
        actor(coordinator_a),
        other,
        description="Evalueren rooster",
        owner_party="school",
        due_date=TODAY,
    )
    services.set_action_status(actor(coordinator_a), done, status="done")
    client = verified_client(coordinator_a)
    page = client.get(reverse("consultations:my_actions")).content.decode()
    assert "Gesprek ouders" in page and "Evalueren rooster" in page
    assert "Aanmelden jeugdhulp" not in page
    assert "Gijs Hofstede" in page and "Ilse Jansma" in page
    # A participant who directs nothing sees none of it.
    ggd = ggd_org()
    partner = make_professional(ggd, "ggd_professional", username="arts-plan")
    add_partner(coordinator_a, plan.case, partner, ggd)
    other_page = verified_client(partner).get(reverse("consultations:my_actions")).content.decode()
    assert "Gesprek ouders" not in other_page


def test_co_05_my_actions_query_count_is_constant(
    region: dict[str, Any], coordinator_a: Any, plan: Plan
) -> None:
    client = verified_client(coordinator_a)
    services.add_action(
        actor(coordinator_a), plan, description="a0", owner_party="school", due_date=TODAY
    )
    url = reverse("consultations:my_actions")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for index in range(3):
        extra = services.create_plan(
            actor(coordinator_a),
            to_plan_phase(
                coordinator_a,
                case_for(coordinator_a, pupil_named(region["school_a"], f"K{index}x", "Lam")),
            ),
            starts_on=TODAY,
            ends_on=TODAY,
        )
        for n in range(2):
            services.add_action(
                actor(coordinator_a),
                extra,
                description=f"b{n}",
                owner_party="school",
                due_date=TODAY,
                owner=coordinator_a,
            )
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_plan_page_query_count_is_constant(coordinator_a: Any, plan: Plan) -> None:
    client = verified_client(coordinator_a)
    url = reverse("consultations:plan", args=[plan.case_id])
    services.add_goal(actor(coordinator_a), plan, party="school", description="g")
    services.add_progress_note(actor(coordinator_a), plan, text="start")
    services.escalate(
        actor(coordinator_a), plan, destination="taskforce", reason="r", escalated_on=TODAY
    )
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for index in range(4):
        services.add_goal(actor(coordinator_a), plan, party="youth", description=f"g{index}")
        services.add_action(
            actor(coordinator_a),
            plan,
            description=f"a{index}",
            owner_party="school",
            due_date=TODAY,
            owner=coordinator_a,
        )
        services.add_progress_note(actor(coordinator_a), plan, text=f"voortgang {index}")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_co_02_evaluation_goals_met_and_follow_up_at_most_six_months(
    coordinator_a: Any, plan: Plan
) -> None:
    a = actor(coordinator_a)
    goal = services.add_goal(a, plan, party="youth", description="Naar school")
    with pytest.raises(ValidationError) as error:
        services.evaluate_plan(a, plan, evaluated_on=TODAY, evaluation="Goed", goal_results={})
    assert "goals" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.evaluate_plan(
            a,
            plan,
            evaluated_on=TODAY,
            evaluation="Goed",
            goal_results={goal.pk: (True, "")},
            follow_up_until=plan.ends_on + dt.timedelta(days=200),
        )
    assert "6 maanden" in str(error.value.message_dict["follow_up_until"])
    services.evaluate_plan(
        a,
        plan,
        evaluated_on=TODAY,
        evaluation="Samen met ouders: doel bereikt.",
        goal_results={goal.pk: (True, "Volledig")},
        follow_up_until=plan.ends_on + dt.timedelta(days=90),
    )
    goal.refresh_from_db()
    assert goal.met is True
    assert any(t.rule.code == "plan-follow-up" for t in terms_for("consultations.plan", plan.pk))
    with pytest.raises(ValidationError):
        services.add_goal(a, plan, party="youth", description="Te laat")


def test_co_06_escalation_with_destination_and_outcome(coordinator_a: Any, plan: Plan) -> None:
    a = actor(coordinator_a)
    with pytest.raises(ValidationError) as error:
        services.escalate(a, plan, destination="other", reason="Vastgelopen", escalated_on=TODAY)
    assert "CO-06" in str(error.value.message_dict["destination_other"])
    escalation = services.escalate(
        a, plan, destination="steering_group", reason="Geen plek", escalated_on=TODAY
    )
    with pytest.raises(ValidationError):
        services.record_escalation_outcome(
            a, escalation, outcome="Plek", outcome_on=TODAY - dt.timedelta(days=3)
        )
    services.record_escalation_outcome(
        a, escalation, outcome="Plek gevonden op school B", outcome_on=TODAY
    )
    page = (
        verified_client(coordinator_a)
        .get(reverse("consultations:plan", args=[plan.case_id]))
        .content.decode()
    )
    assert "Stuurgroep Thuiszitterspact" in page and "Plek gevonden op school B" in page


def test_opp_handelingsdeel_needs_parents_agreement_and_pupil_view(
    coordinator_a: Any, plan: Plan
) -> None:
    a = actor(coordinator_a)
    enrolled = TODAY - dt.timedelta(days=10)
    opp = services.save_opp(
        a,
        plan,
        enrolment_date=enrolled,
        exit_perspective="Havo",
        exit_stage="prognosis",
        hindering_factors="Faalangst",
        promoting_factors="Sportief",
        goals="Zelfstandig plannen",
        action_part="Twee keer per week begeleiding",
    )
    due = {t.rule.code: t.due_date for t in terms_for("consultations.opp", opp.pk)}
    assert due["opp-set-after-enrolment"] == enrolled + dt.timedelta(weeks=6)  # TLV-13
    with pytest.raises(ValidationError) as error:
        services.finalise_opp(a, opp)
    assert "CON-04" in str(error.value.message_dict["parents_agreed_on"])
    assert "AGE-04" in str(error.value.message_dict["pupil_view"])
    services.record_parents_agreement(a, opp, agreed_on=TODAY, note="Getekend in gesprek")
    with pytest.raises(ValidationError) as error:
        services.finalise_opp(a, opp)
    assert "AGE-04" in str(error.value)
    services.record_pupil_view(a, opp, pupil_view="Wil vooral rust", heard_on=TODAY)
    services.finalise_opp(a, opp)
    opp.refresh_from_db()
    assert opp.finalised_at is not None
    terms = {t.rule.code: t for t in terms_for("consultations.opp", opp.pk)}
    assert terms["opp-set-after-enrolment"].completed_on == timezone.localdate()
    assert terms["opp-evaluation"].due_date.year == TODAY.year + 1
    # A changed handelingsdeel needs the parents' agreement again (CON-04).
    services.save_opp(
        a,
        plan,
        enrolment_date=enrolled,
        exit_perspective="Havo",
        exit_stage="provisional",
        hindering_factors="Faalangst",
        promoting_factors="Sportief",
        goals="Zelfstandig plannen",
        action_part="Eén keer per week begeleiding",
    )
    opp.refresh_from_db()
    assert opp.parents_agreed_on is None and opp.finalised_at is None


def test_plan_api_scoped_and_actions(coordinator_a: Any, coordinator_b: Any, plan: Plan) -> None:
    api = api_client(coordinator_a)
    response = api.post(
        f"/api/v1/cases/{plan.case_id}/plan/actions/",
        {"description": "Bellen", "owner_party": "school", "due_date": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    action_id = response.json()["id"]
    response = api.patch(
        f"/api/v1/cases/{plan.case_id}/plan/actions/{action_id}/",
        {"status": "done"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "done"
    data = api.get(f"/api/v1/cases/{plan.case_id}/plan/").json()
    assert data["actions"][0]["description"] == "Bellen"
    assert api_client(coordinator_b).get(f"/api/v1/cases/{plan.case_id}/plan/").status_code == 404
    assert AccessLogEntry.objects.filter(
        actor=coordinator_a, activity="case_consultation", action="add_action"
    ).exists()


def test_participant_without_management_may_not_change_the_plan(
    coordinator_a: Any, plan: Plan
) -> None:
    ggd = ggd_org()
    partner = make_professional(ggd, "ggd_professional", username="arts-2")
    add_partner(coordinator_a, plan.case, partner, ggd)
    with pytest.raises(PermissionDenied):
        services.add_goal(actor(partner), plan, party="youth", description="x")


def test_plan_screens_post_and_errors(coordinator_a: Any, plan: Plan) -> None:
    client = verified_client(coordinator_a)
    url = reverse("consultations:goal_create", args=[plan.case_id])
    response = client.post(url, {"party": "youth", "description": ""})
    assert response.status_code == 400
    response = client.post(url, {"party": "youth", "description": "Zwemdiploma halen"})
    assert response.status_code == 302
    assert (
        "Zwemdiploma halen"
        in client.get(reverse("consultations:plan", args=[plan.case_id])).content.decode()
    )


def test_co_05_my_actions_logs_only_the_cases_it_shows(
    region: dict[str, Any], coordinator_a: Any, plan: Plan
) -> None:
    """Only cases with an open action of the user are shown, so only those are decided and
    logged: a case the user directs without an open action (a CvA secretary directs thousands)
    is not on the page and not in the log (issue 10)."""
    quiet = to_plan_phase(
        coordinator_a, case_for(coordinator_a, pupil_named(region["school_a"], "Stil", "Dossier"))
    )
    assert quiet.case_director_id == coordinator_a.pk
    services.add_action(
        actor(coordinator_a), plan, description="Bellen", owner_party="school", due_date=TODAY
    )
    client = verified_client(coordinator_a)
    page = client.get(reverse("consultations:my_actions")).content.decode()
    assert "Bellen" in page and "Stil Dossier" not in page
    listed = AccessLogEntry.objects.filter(actor=coordinator_a, action="list")
    assert listed.filter(object_id=str(plan.case_id)).exists()
    assert not listed.filter(object_id=str(quiet.pk)).exists()
