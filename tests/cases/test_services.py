"""Case services: ORG-03, CO-02, CON-06/07, AGE-02, AGE-04, ABS-05; atomic and logged."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.accounts.models import Membership, Role
from passend.cases import services
from passend.cases.models import Case, CaseKind, Participant, Phase, PhaseChange
from passend.privacy.categories import DataCategory
from passend.privacy.context import subject_pseudonym
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import make_pupil
from tests.conftest import make_professional
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

VALID_BSN = "111222333"  # passes the elfproef


def actor(user: Any) -> Actor:
    return Actor.for_membership(Membership.objects.select_related("organisation").get(user=user))


@pytest.fixture
def opened(region: dict[str, Any], coordinator_a: Any) -> dict[str, Any]:
    pupil = make_pupil(region["school_a"])
    case = services.open_case(
        actor(coordinator_a), kind=CaseKind.SUPPORT, pupil=pupil, title="Lezen"
    )
    return {**region, "case": case, "pupil": pupil, "owner": coordinator_a}


def test_org_03_open_case_names_process_director_and_logs(opened: dict[str, Any]) -> None:
    case = opened["case"]
    assert case.process_director == opened["owner"]
    assert case.phase == Phase.INTAKE and case.status == Case.Status.OPEN
    assert case.participants.get().user == opened["owner"]
    assert case.pseudonym.startswith("T")
    entry = AccessLogEntry.objects.get(action="create", object_id=str(case.pk))
    assert entry.organisation_id == opened["school_a"].pk
    assert opened["pupil"].first_name not in entry.subject_pseudonym


def test_org_04_school_opens_cases_only_for_its_own_pupils(
    opened: dict[str, Any], coordinator_b: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.open_case(actor(coordinator_b), kind=CaseKind.SUPPORT, pupil=opened["pupil"])
    assert "pupil" in error.value.message_dict


def test_con_07_anonymous_case_holds_no_pupil(region: dict[str, Any], coordinator_a: Any) -> None:
    case = services.open_case(
        actor(coordinator_a), kind=CaseKind.CONSULTATION, pupil=None, is_anonymous=True
    )
    assert case.pupil is None and case.display_name == case.pseudonym
    pupil = make_pupil(region["school_a"])
    with pytest.raises(ValidationError) as error:
        services.open_case(
            actor(coordinator_a), kind=CaseKind.CONSULTATION, pupil=pupil, is_anonymous=True
        )
    assert "CON-07" in error.value.message_dict["pupil"][0]


def test_age_02_bsn_in_title_is_refused_and_nothing_is_written(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    pupil = make_pupil(region["school_a"])
    with pytest.raises(ValidationError) as error:
        services.open_case(
            actor(coordinator_a), kind=CaseKind.SUPPORT, pupil=pupil, title=f"BSN {VALID_BSN}"
        )
    assert "AGE-02" in error.value.message_dict["title"][0]
    assert not Case.objects.exists()
    assert not AccessLogEntry.objects.filter(action="create").exists()


def test_abs_05_attendance_officer_opens_only_attendance_cases(region: dict[str, Any]) -> None:
    officer = make_professional(region["municipality"], Role.ATTENDANCE_OFFICER, username="lpa")
    with pytest.raises(ValidationError):
        services.open_case(actor(officer), kind=CaseKind.SUPPORT, pupil=None, is_anonymous=True)
    case = services.open_case(
        actor(officer), kind=CaseKind.ATTENDANCE, pupil=None, is_anonymous=True
    )
    assert case.owner == region["municipality"]


def test_privacy_officer_cannot_open_cases(region: dict[str, Any]) -> None:
    officer = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg")
    with pytest.raises(PermissionDenied):
        services.open_case(actor(officer), kind=CaseKind.SUPPORT, pupil=None, is_anonymous=True)


def test_add_and_end_participant(opened: dict[str, Any]) -> None:
    ggd = OrganisationFactory(name="GGD", kind="ggd")
    nurse = make_professional(ggd, Role.GGD_PROFESSIONAL, username="jgz")
    participant = services.add_participant(
        actor(opened["owner"]), opened["case"], organisation=ggd, user=nurse, role="Jeugdarts"
    )
    assert participant.joined_phase == Phase.INTAKE
    assert participant.legal_task == ggd.legal_basis
    assert decide_case(nurse, Membership.objects.get(user=nurse), opened["case"]).allowed
    services.end_participant(actor(opened["owner"]), participant, reason="Zorg afgerond")
    assert not decide_case(nurse, Membership.objects.get(user=nurse), opened["case"]).allowed


def test_participations_carry_their_cases_opening_time(opened: dict[str, Any]) -> None:
    """The copy "my cases" is ordered on (issue 10): set on every participation, from the case,
    whichever way it is added."""
    ggd = OrganisationFactory(name="GGD", kind="ggd")
    nurse = make_professional(ggd, Role.GGD_PROFESSIONAL, username="jgz")
    case = opened["case"]
    services.add_participant(
        actor(opened["owner"]), case, organisation=ggd, user=nurse, role="Jeugdarts"
    )
    copies = set(Participant.objects.filter(case=case).values_list("case_opened_at", flat=True))
    assert copies == {Case.objects.get(pk=case.pk).opened_at}
    assert Participant.objects.filter(case=case).count() == 2


def test_the_migration_copies_each_cases_opening_time_onto_its_participations(
    opened: dict[str, Any], coordinator_b: Any
) -> None:
    """Existing installations (cases 0004): every participation gets its own case's time."""
    from django.apps import apps

    fill = importlib.import_module("passend.cases.migrations.0004_participant_case_opened_at")
    other = services.open_case(
        actor(coordinator_b), kind=CaseKind.SUPPORT, pupil=None, is_anonymous=True
    )
    Participant.objects.update(case_opened_at=timezone.now() - dt.timedelta(days=400))
    fill._fill(apps, None)
    for case in (opened["case"], other):
        copies = Participant.objects.filter(case=case).values_list("case_opened_at", flat=True)
        assert list(copies) == [Case.objects.get(pk=case.pk).opened_at]


def test_participant_must_work_at_the_organisation(
    opened: dict[str, Any], coordinator_b: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.add_participant(
            actor(opened["owner"]),
            opened["case"],
            organisation=opened["swv"],
            user=coordinator_b,
            role="IB",
        )
    assert "user" in error.value.message_dict


def test_abs_05_attendance_officer_not_added_to_support_case(opened: dict[str, Any]) -> None:
    officer = make_professional(opened["municipality"], Role.ATTENDANCE_OFFICER, username="lpa2")
    with pytest.raises(ValidationError) as error:
        services.add_participant(
            actor(opened["owner"]),
            opened["case"],
            organisation=opened["municipality"],
            user=officer,
            role="LPA",
        )
    assert "ABS-05" in error.value.message_dict["user"][0]


def test_non_manager_cannot_add_participants(opened: dict[str, Any], coordinator_b: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.add_participant(
            actor(coordinator_b),
            opened["case"],
            organisation=opened["school_b"],
            user=coordinator_b,
            role="IB",
        )
    assert Participant.objects.count() == 1


def test_co_02_phase_transitions_and_org_03_case_director(opened: dict[str, Any]) -> None:
    owner, case = opened["owner"], opened["case"]
    case = services.change_phase(actor(owner), case, to_phase=Phase.ASSESSMENT)
    with pytest.raises(ValidationError) as error:
        services.change_phase(actor(owner), case, to_phase=Phase.EVALUATION)
    assert "CO-02" in error.value.message_dict["to_phase"][0]
    with pytest.raises(ValidationError) as error:
        services.change_phase(actor(owner), case, to_phase=Phase.PLAN)
    assert "ORG-03" in error.value.message_dict["to_phase"][0]
    case = services.assign_directors(
        actor(owner), case, process_director=owner, case_director=owner
    )
    case = services.change_phase(actor(owner), case, to_phase=Phase.PLAN, reason="Plan opgesteld")
    assert case.phase == Phase.PLAN
    assert list(PhaseChange.objects.filter(case=case).values_list("to_phase", flat=True)) == [
        Phase.INTAKE,
        Phase.ASSESSMENT,
        Phase.PLAN,
    ]


def test_co_02_aftercare_at_most_six_months(opened: dict[str, Any]) -> None:
    owner, case = opened["owner"], opened["case"]
    case = services.assign_directors(
        actor(owner), case, process_director=owner, case_director=owner
    )
    for phase in (Phase.ASSESSMENT, Phase.PLAN, Phase.MONITORING, Phase.EVALUATION):
        case = services.change_phase(actor(owner), case, to_phase=phase)
    too_late = services.aftercare_limit() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.change_phase(
            actor(owner), case, to_phase=Phase.AFTERCARE, aftercare_until=too_late
        )
    assert "aftercare_until" in error.value.message_dict
    case = services.change_phase(actor(owner), case, to_phase=Phase.AFTERCARE)
    assert case.aftercare_until == services.aftercare_limit()


def test_prv_06_closing_sets_afgemeld_and_starts_retention_clock(opened: dict[str, Any]) -> None:
    case = services.change_phase(
        actor(opened["owner"]), opened["case"], to_phase=Phase.CLOSED, reason="Ingetrokken"
    )
    assert case.status == Case.Status.CLOSED
    assert case.closed_at is not None and case.closed_at <= timezone.now()
    with pytest.raises(PermissionDenied):
        services.add_entry(
            actor(opened["owner"]), case, category=DataCategory.ORDINARY, title="t", body="b"
        )


def test_optimistic_locking_refuses_stale_version(opened: dict[str, Any]) -> None:
    owner, case = opened["owner"], opened["case"]
    stale = case.version
    services.change_phase(actor(owner), case, to_phase=Phase.ASSESSMENT, expected_version=stale)
    with pytest.raises(ValidationError) as error:
        services.change_phase(actor(owner), case, to_phase=Phase.PLAN, expected_version=stale)
    assert error.value.code == "conflict"


def test_age_04_hearing_requires_date_or_reason(opened: dict[str, Any]) -> None:
    owner, case = opened["owner"], opened["case"]
    with pytest.raises(ValidationError) as error:
        services.record_hearing(actor(owner), case, heard_on=None)
    assert "AGE-04" in error.value.message_dict["heard_on"][0]
    with pytest.raises(ValidationError) as error:
        services.record_hearing(actor(owner), case, heard_on=timezone.localdate(), heard_by="IB")
    assert "child_view" in error.value.message_dict
    hearing = services.record_hearing(
        actor(owner),
        case,
        heard_on=timezone.localdate(),
        heard_by="IB",
        child_view="Wil hulp bij rekenen.",
    )
    assert hearing.child_view
    not_heard = services.record_hearing(
        actor(owner),
        case,
        heard_on=None,
        not_heard_reason="Kind is 3 jaar en kan zich nog niet uiten.",
    )
    assert not_heard.heard_on is None


def test_con_06_entry_carries_supplier_and_reuse_needs_approval(opened: dict[str, Any]) -> None:
    owner, case = opened["owner"], opened["case"]
    entry = services.add_entry(
        actor(owner), case, category=DataCategory.BEHAVIOUR, title="Observatie", body="Rustig"
    )
    assert entry.supplied_by == opened["school_a"]
    assert services.may_reuse(entry, opened["school_a"])
    assert not services.may_reuse(entry, opened["swv"])
    services.approve_reuse(
        actor(owner), entry, approved_for=opened["swv"], purpose="Evaluatie arrangement"
    )
    assert services.may_reuse(entry, opened["swv"])


def test_con_06_only_supplier_approves_reuse(opened: dict[str, Any]) -> None:
    owner, case = opened["owner"], opened["case"]
    ggd = OrganisationFactory(name="GGD2", kind="ggd")
    nurse = make_professional(ggd, Role.GGD_PROFESSIONAL, username="jgz2")
    services.add_participant(actor(owner), case, organisation=ggd, user=nurse, role="Jeugdarts")
    entry = services.add_entry(
        actor(owner), case, category=DataCategory.ORDINARY, title="Notitie", body="..."
    )
    with pytest.raises(PermissionDenied):
        services.approve_reuse(actor(nurse), entry, approved_for=ggd, purpose="Eigen dossier")


# --- open_cases: many pupils at once (the absence import's findings; issue 10) ------------------


def test_org_04_open_cases_opens_one_case_per_own_pupil_with_participant_phase_and_log(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    own = [make_pupil(region["school_a"]) for _ in range(3)]
    other = make_pupil(region["school_b"])
    opened = services.open_cases(
        actor(coordinator_a),
        kind=CaseKind.ATTENDANCE,
        pupil_ids=[own[0].pk, own[1].pk, own[2].pk, own[0].pk, other.pk],
        title="Verzuim",
    )
    # ORG-04: the other school's pupil gets none; a pupil named twice gets one.
    assert sorted(opened) == sorted(p.pk for p in own)
    cases = Case.objects.filter(pk__in=[c.pk for c in opened.values()])
    assert cases.count() == 3 and not Case.objects.filter(pupil=other).exists()
    assert len({c.pseudonym for c in cases}) == 3
    for pupil in own:
        case = Case.objects.get(pupil=pupil)
        assert opened[pupil.pk].pk == case.pk
        assert (case.kind, case.phase, case.title) == (CaseKind.ATTENDANCE, Phase.INTAKE, "Verzuim")
        assert case.owner == region["school_a"] and case.process_director == coordinator_a
        participant = case.participants.get()
        assert participant.user == coordinator_a
        assert participant.case_opened_at == case.opened_at
        assert PhaseChange.objects.get(case=case).to_phase == Phase.INTAKE
        entry = AccessLogEntry.objects.get(action="create", object_id=str(case.pk))
        assert entry.object_type == "cases.case"
        assert entry.data_categories == DataCategory.ORDINARY
        assert entry.subject_pseudonym == subject_pseudonym("pupil", pupil.pk)


def test_open_cases_takes_the_same_statements_for_one_pupil_or_ten(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    pupils = [make_pupil(region["school_a"]) for _ in range(11)]
    with CaptureQueriesContext(connection) as one:
        services.open_cases(
            actor(coordinator_a), kind=CaseKind.ATTENDANCE, pupil_ids=[pupils[0].pk]
        )
    with CaptureQueriesContext(connection) as ten:
        services.open_cases(
            actor(coordinator_a), kind=CaseKind.ATTENDANCE, pupil_ids=[p.pk for p in pupils[1:]]
        )
    assert len(ten) == len(one)
    assert Case.objects.filter(kind=CaseKind.ATTENDANCE).count() == 11


def test_open_cases_refuses_what_open_case_refuses_for_every_pupil(region: dict[str, Any]) -> None:
    pupil = make_pupil(region["school_a"])
    fg = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg")
    with pytest.raises(PermissionDenied):
        services.open_cases(actor(fg), kind=CaseKind.ATTENDANCE, pupil_ids=[pupil.pk])
    officer = make_professional(region["municipality"], Role.ATTENDANCE_OFFICER, username="lpa")
    with pytest.raises(ValidationError) as error:
        services.open_cases(actor(officer), kind=CaseKind.SUPPORT, pupil_ids=[pupil.pk])
    assert "ABS-05" in error.value.message_dict["kind"][0]
    assert not Case.objects.exists()
