"""Consent services: CON-01..05 with the rights holder of AGE-03."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from passend.access.actor import Actor
from passend.access.policy import decide_case
from passend.accounts.models import Membership, Role
from passend.cases import services as case_services
from passend.cases.models import CaseKind, Phase
from passend.consent import services
from passend.consent.models import Consent, ConsentMethod, Justification, LegalBasis
from passend.privacy.categories import DataCategory
from passend.privacy.models import AccessLogEntry
from passend.pupils.models import Guardian
from tests.access.helpers import make_pupil
from tests.conftest import make_professional
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 2)


def actor(user: Any) -> Actor:
    return Actor.for_membership(Membership.objects.select_related("organisation").get(user=user))


def setup_case(region: dict[str, Any], owner: Any, birth_date: dt.date) -> dict[str, Any]:
    pupil = make_pupil(region["school_a"], birth_date=birth_date)
    father = Guardian.objects.create(
        pupil=pupil, first_name="Vader", last_name="T", relation="father"
    )
    case = case_services.open_case(actor(owner), kind=CaseKind.SUPPORT, pupil=pupil)
    ggd = OrganisationFactory(name="GGD", kind="ggd")
    nurse = make_professional(ggd, Role.GGD_PROFESSIONAL, username=f"jgz-{pupil.pk}")
    case_services.add_participant(
        actor(owner),
        case,
        organisation=ggd,
        user=nurse,
        role="Jeugdarts",
        joined_phase=Phase.ASSESSMENT,
    )
    guardians = list(pupil.guardians.values_list("pk", flat=True))
    return {
        "case": case,
        "pupil": pupil,
        "ggd": ggd,
        "nurse": nurse,
        "guardians": guardians,
        "father": father,
    }


def consent(
    owner: Any, s: dict[str, Any], *, by_pupil: bool, guardians: list[int], on: dt.date = TODAY
) -> Consent:
    return services.give_consent(
        actor(owner),
        s["case"],
        parties=[s["ggd"]],
        categories=[DataCategory.ORDINARY, DataCategory.HEALTH],
        given_by_pupil=by_pupil,
        guardian_ids=guardians,
        given_on=on,
        form_version="Convenant 2025 v2",
        method=ConsentMethod.PAPER,
        evidence="Scan in map 2026",
    )


def test_con_02_age_03_parents_consent_for_a_ten_year_old(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    s = setup_case(region, coordinator_a, dt.date(2016, 6, 1))
    given = consent(coordinator_a, s, by_pupil=False, guardians=s["guardians"])
    assert given.is_active
    nurse_access = decide_case(s["nurse"], Membership.objects.get(user=s["nurse"]), s["case"])
    assert nurse_access.categories == {DataCategory.ORDINARY, DataCategory.HEALTH}
    assert AccessLogEntry.objects.filter(action="give_consent", object_id=str(given.pk)).exists()


def test_con_02_age_03_a_parent_alone_cannot_consent_for_a_fourteen_year_old(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    s = setup_case(region, coordinator_a, dt.date(2012, 6, 1))
    with pytest.raises(ValidationError) as error:
        consent(coordinator_a, s, by_pupil=False, guardians=s["guardians"])
    assert "AGE-03" in error.value.message_dict["given_by_guardians"][0]
    assert consent(coordinator_a, s, by_pupil=True, guardians=s["guardians"]).is_active


def test_con_02_age_03_parents_cannot_consent_for_a_seventeen_year_old(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    s = setup_case(region, coordinator_a, dt.date(2009, 6, 1))
    with pytest.raises(ValidationError):
        consent(coordinator_a, s, by_pupil=False, guardians=s["guardians"])
    with pytest.raises(ValidationError):
        consent(coordinator_a, s, by_pupil=True, guardians=s["guardians"])
    assert consent(coordinator_a, s, by_pupil=True, guardians=[]).is_active
    assert not Consent.objects.filter(revoked_at__isnull=False).exists()


def test_con_01_new_consent_replaces_the_active_one(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    s = setup_case(region, coordinator_a, dt.date(2016, 6, 1))
    first = consent(coordinator_a, s, by_pupil=False, guardians=s["guardians"])
    second = consent(coordinator_a, s, by_pupil=False, guardians=s["guardians"])
    first.refresh_from_db()
    assert not first.is_active and "CON-01" in first.revocation_note
    assert list(s["case"].consents.filter(revoked_at__isnull=True)) == [second]


def test_con_03_revocation_removes_access_at_once(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    s = setup_case(region, coordinator_a, dt.date(2016, 6, 1))
    given = consent(coordinator_a, s, by_pupil=False, guardians=s["guardians"])
    services.revoke_consent(actor(coordinator_a), given, note="Ouders trekken in")
    access = decide_case(s["nurse"], Membership.objects.get(user=s["nurse"]), s["case"])
    assert access.allowed and access.categories == frozenset()
    with pytest.raises(ValidationError):
        services.revoke_consent(actor(coordinator_a), given)


def test_con_02_consent_date_in_future_or_foreign_guardian_refused(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    s = setup_case(region, coordinator_a, dt.date(2016, 6, 1))
    other = make_pupil(region["school_a"])
    with pytest.raises(ValidationError) as error:
        consent(coordinator_a, s, by_pupil=False, guardians=[other.guardians.first().pk])
    assert "given_by_guardians" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        consent(coordinator_a, s, by_pupil=False, guardians=s["guardians"], on=dt.date(2099, 1, 1))
    assert "given_on" in error.value.message_dict


def test_con_07_anonymous_case_needs_no_consent(region: dict[str, Any], coordinator_a: Any) -> None:
    case = case_services.open_case(
        actor(coordinator_a), kind=CaseKind.CONSULTATION, pupil=None, is_anonymous=True
    )
    with pytest.raises(ValidationError):
        services.give_consent(
            actor(coordinator_a),
            case,
            parties=[region["swv"]],
            categories=[DataCategory.ORDINARY],
            given_by_pupil=True,
            guardian_ids=[],
            given_on=TODAY,
            form_version="v1",
            method=ConsentMethod.DIGITAL,
        )


def test_con_04_legal_ground_recorded_as_such(region: dict[str, Any], coordinator_a: Any) -> None:
    s = setup_case(region, coordinator_a, dt.date(2016, 6, 1))
    ground = services.record_legal_ground(
        actor(coordinator_a),
        s["case"],
        organisation=s["ggd"],
        basis=LegalBasis.REPORTING_RIGHT,
        categories=[DataCategory.FAMILY],
        parents_informed_on=TODAY,
    )
    assert ground.basis == LegalBasis.REPORTING_RIGHT
    with pytest.raises(ValidationError) as error:
        services.record_legal_ground(
            actor(coordinator_a),
            s["case"],
            organisation=s["ggd"],
            basis=LegalBasis.CONSENT,
            categories=["family"],
        )
    assert "CON-04" in error.value.message_dict["basis"][0]


def test_con_05_compelling_interest_needs_reasons_and_is_flagged(
    region: dict[str, Any], coordinator_a: Any
) -> None:
    s = setup_case(region, coordinator_a, dt.date(2016, 6, 1))
    with pytest.raises(ValidationError) as error:
        services.record_justification(
            actor(coordinator_a),
            s["case"],
            organisation=s["ggd"],
            categories=["health"],
            reason="Nodig.",
        )
    assert "CON-05" in error.value.message_dict["reason"][0]
    decision = services.record_justification(
        actor(coordinator_a),
        s["case"],
        organisation=s["ggd"],
        categories=["health"],
        reason="Direct gevaar voor de gezondheid van het kind; jeugdarts moet medicatie kennen.",
    )
    assert (
        Justification.objects.filter(reviewed_by_privacy_officer_at__isnull=True).get() == decision
    )
