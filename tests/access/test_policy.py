"""The one access policy (DESIGN.md privacy core 1): ORG-04, CON-01..06, CO-02, ABS-05."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passend.access.policy import Action, can, decide_case
from passend.accounts.models import Membership, Role
from passend.cases.models import CaseEntry, CaseKind, Phase
from passend.consent.models import Justification, LegalBasis
from passend.privacy.categories import ALL_CATEGORIES, DataCategory
from tests.access.helpers import add_participant, give_consent, make_case, make_pupil, record_ground
from tests.conftest import make_professional

pytestmark = pytest.mark.django_db

PHASE_DEFAULTS = {
    "intake": {"ordinary", "family", "absence"},
    "assessment": {"ordinary", "family", "behaviour", "absence", "health", "diagnostics"},
    "plan": {"ordinary", "family", "behaviour", "absence", "health"},
    "monitoring": {"ordinary", "behaviour", "absence"},
    "evaluation": {"ordinary", "behaviour", "absence"},
    "aftercare": {"ordinary"},
}


def membership(user: Any) -> Membership:
    return Membership.objects.select_related("organisation").get(user=user)


@pytest.fixture
def world(region: dict[str, Any], coordinator_a: Any) -> dict[str, Any]:
    from tests.factories import OrganisationFactory

    ggd = OrganisationFactory(name="GGD Test", kind="ggd")
    nurse = make_professional(ggd, Role.GGD_PROFESSIONAL, username="jgz")
    pupil = make_pupil(region["school_a"])
    case = make_case(membership(coordinator_a), pupil=pupil, phase=Phase.MONITORING)
    return {
        **region,
        "ggd": ggd,
        "nurse": nurse,
        "pupil": pupil,
        "case": case,
        "owner": coordinator_a,
    }


def decide(user: Any, case: Any) -> Any:
    return decide_case(user, membership(user), case)


def test_org_04_owner_participant_sees_all_categories(world: dict[str, Any]) -> None:
    access = decide(world["owner"], world["case"])
    assert access.allowed and access.is_owner
    assert access.categories == ALL_CATEGORIES


def test_org_04_colleague_of_same_school_without_involvement_is_denied(
    world: dict[str, Any],
) -> None:
    colleague = make_professional(world["school_a"], Role.SUPPORT_COORDINATOR, username="collega")
    access = decide(colleague, world["case"])
    assert not access.allowed
    assert "ORG-04" in access.denied_reason


def test_org_04_other_school_is_denied(world: dict[str, Any], coordinator_b: Any) -> None:
    assert not decide(coordinator_b, world["case"]).allowed
    assert not can(coordinator_b, membership(coordinator_b), Action.VIEW, world["case"])


def test_participant_without_ground_sees_the_case_but_no_data(world: dict[str, Any]) -> None:
    add_participant(world["case"], membership(world["nurse"]), Phase.ASSESSMENT)
    access = decide(world["nurse"], world["case"])
    assert access.allowed
    assert access.categories == frozenset()
    assert not access.can_see(DataCategory.ORDINARY)


def test_con_01_co_02_consent_limited_by_the_phase_joined_for(world: dict[str, Any]) -> None:
    add_participant(world["case"], membership(world["nurse"]), Phase.MONITORING)
    give_consent(
        world["case"],
        [world["ggd"]],
        [DataCategory.ORDINARY, DataCategory.HEALTH, DataCategory.BEHAVIOUR],
        world["owner"],
    )
    access = decide(world["nurse"], world["case"])
    # Monitoring needs no health data, even though the consent would allow it (CO-02).
    assert access.categories == {DataCategory.ORDINARY, DataCategory.BEHAVIOUR}


def test_con_01_consent_for_another_party_grants_nothing(world: dict[str, Any]) -> None:
    add_participant(world["case"], membership(world["nurse"]), Phase.ASSESSMENT)
    give_consent(world["case"], [world["swv"]], [DataCategory.HEALTH], world["owner"])
    assert decide(world["nurse"], world["case"]).categories == frozenset()


def test_con_03_revocation_takes_effect_at_once(world: dict[str, Any]) -> None:
    add_participant(world["case"], membership(world["nurse"]), Phase.ASSESSMENT)
    consent = give_consent(world["case"], [world["ggd"]], [DataCategory.HEALTH], world["owner"])
    assert decide(world["nurse"], world["case"]).can_see(DataCategory.HEALTH)
    consent.revoked_at = timezone.now()
    consent.save()
    assert not decide(world["nurse"], world["case"]).can_see(DataCategory.HEALTH)


def test_con_04_legal_ground_instead_of_consent(world: dict[str, Any]) -> None:
    swv_staff = make_professional(world["swv"], Role.ECT_MEMBER, username="ect")
    add_participant(world["case"], membership(swv_staff), Phase.ASSESSMENT)
    record_ground(
        world["case"],
        world["swv"],
        LegalBasis.EXTRA_SUPPORT,
        [DataCategory.ORDINARY, DataCategory.DIAGNOSTICS],
        world["owner"],
    )
    access = decide(swv_staff, world["case"])
    assert access.categories == {DataCategory.ORDINARY, DataCategory.DIAGNOSTICS}
    assert any("CON-04" in line for line in access.explain())


def test_con_05_compelling_interest_grants_and_explains(world: dict[str, Any]) -> None:
    add_participant(world["case"], membership(world["nurse"]), Phase.ASSESSMENT)
    Justification.objects.create(
        case=world["case"],
        organisation=world["ggd"],
        categories=[DataCategory.FAMILY],
        reason="Acute zorg over de veiligheid thuis; overleg met Veilig Thuis.",
        decided_by=world["owner"],
    )
    access = decide(world["nurse"], world["case"])
    assert access.categories == {DataCategory.FAMILY}
    assert any("FG" in line for line in access.explain())


def test_abs_05_attendance_officer_sees_attendance_cases_only(world: dict[str, Any]) -> None:
    officer = make_professional(world["municipality"], Role.ATTENDANCE_OFFICER, username="lpa")
    add_participant(world["case"], membership(officer), Phase.ASSESSMENT)
    record_ground(
        world["case"],
        world["municipality"],
        LegalBasis.ABSENCE_REPORT,
        list(ALL_CATEGORIES),
        world["owner"],
    )
    assert not decide(officer, world["case"]).allowed  # a support case, not attendance

    absence_case = make_case(
        membership(world["owner"]), pupil=world["pupil"], kind=CaseKind.ATTENDANCE
    )
    add_participant(absence_case, membership(officer), Phase.ASSESSMENT)
    record_ground(
        absence_case,
        world["municipality"],
        LegalBasis.ABSENCE_REPORT,
        list(ALL_CATEGORIES),
        world["owner"],
    )
    access = decide(officer, absence_case)
    assert access.allowed
    assert access.categories == {DataCategory.ORDINARY, DataCategory.ABSENCE}


def test_org_02_privacy_officer_never_sees_case_content(world: dict[str, Any]) -> None:
    officer = make_professional(world["swv"], Role.PRIVACY_OFFICER, username="fg")
    add_participant(world["case"], membership(officer), Phase.ASSESSMENT)
    assert not decide(officer, world["case"]).allowed


def test_ended_participation_ends_access(world: dict[str, Any]) -> None:
    participant = add_participant(world["case"], membership(world["nurse"]), Phase.ASSESSMENT)
    participant.ended_at = timezone.now()
    participant.save()
    assert not decide(world["nurse"], world["case"]).allowed


def test_restriction_leaves_only_the_process_director(world: dict[str, Any]) -> None:
    other = make_professional(world["school_a"], Role.BEHAVIOUR_EXPERT, username="gedrag")
    add_participant(world["case"], membership(other), Phase.INTAKE)
    world["case"].restricted_since = timezone.now()
    world["case"].save()
    assert decide(world["owner"], world["case"]).allowed  # the process director
    assert not decide(other, world["case"]).allowed


def test_membership_of_another_user_is_refused(world: dict[str, Any], coordinator_b: Any) -> None:
    assert not decide_case(coordinator_b, membership(world["owner"]), world["case"]).allowed


def test_con_06_supplier_always_sees_its_own_entry(world: dict[str, Any]) -> None:
    add_participant(world["case"], membership(world["nurse"]), Phase.MONITORING)
    own = CaseEntry.objects.create(
        case=world["case"],
        category=DataCategory.HEALTH,
        supplied_by=world["ggd"],
        phase=Phase.MONITORING,
        title="Verslag JGZ",
        body="...",
        recorded_by=world["nurse"],
    )
    schools = CaseEntry.objects.create(
        case=world["case"],
        category=DataCategory.HEALTH,
        supplied_by=world["school_a"],
        phase=Phase.MONITORING,
        title="Verslag school",
        body="...",
        recorded_by=world["owner"],
    )
    access = decide(world["nurse"], world["case"])
    assert access.can_see_entry(own)
    assert not access.can_see_entry(schools)


def test_only_owner_and_directors_manage(world: dict[str, Any]) -> None:
    add_participant(world["case"], membership(world["nurse"]), Phase.ASSESSMENT)
    assert can(world["owner"], membership(world["owner"]), Action.MANAGE, world["case"])
    assert not can(world["nurse"], membership(world["nurse"]), Action.MANAGE, world["case"])
    world["case"].case_director = world["nurse"]
    world["case"].save()
    assert can(world["nurse"], membership(world["nurse"]), Action.MANAGE, world["case"])


category_sets = st.frozensets(st.sampled_from(sorted(ALL_CATEGORIES)))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    consent_categories=category_sets,
    ground_categories=category_sets,
    justification_categories=category_sets,
    joined_phase=st.sampled_from(sorted(PHASE_DEFAULTS)),
    revoked=st.booleans(),
)
def test_property_participant_never_sees_outside_grounds_and_phase(
    world: dict[str, Any],
    consent_categories: frozenset[str],
    ground_categories: frozenset[str],
    justification_categories: frozenset[str],
    joined_phase: str,
    revoked: bool,
) -> None:
    """CON-01/04/05 and CO-02: visible = (consent | ground | compelling interest) & phase."""
    case = make_case(membership(world["owner"]), pupil=world["pupil"])
    add_participant(case, membership(world["nurse"]), joined_phase)
    if consent_categories:
        consent = give_consent(case, [world["ggd"]], sorted(consent_categories), world["owner"])
        if revoked:
            consent.revoked_at = timezone.now()
            consent.save()
    if ground_categories:
        record_ground(
            case,
            world["ggd"],
            LegalBasis.REPORTING_RIGHT,
            sorted(ground_categories),
            world["owner"],
        )
    if justification_categories:
        Justification.objects.create(
            case=case,
            organisation=world["ggd"],
            categories=sorted(justification_categories),
            reason="x" * 50,
            decided_by=world["owner"],
        )
    effective_consent = frozenset() if revoked else consent_categories
    expected = (effective_consent | ground_categories | justification_categories) & PHASE_DEFAULTS[
        joined_phase
    ]
    assert decide(world["nurse"], case).categories == expected
