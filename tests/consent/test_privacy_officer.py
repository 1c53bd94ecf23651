"""CON-05: compelling-interest decisions show up for the FG; the FG's views are logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from passend.access.actor import Actor
from passend.accounts.models import Membership, Role
from passend.cases import services as case_services
from passend.cases.models import CaseKind
from passend.consent import services
from passend.consent.models import Justification
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import make_pupil
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(region: dict[str, Any], coordinator_a: Any) -> Justification:
    owner = Actor.for_membership(Membership.objects.get(user=coordinator_a))
    pupil = make_pupil(region["school_a"], first_name="Geertje", birth_date=dt.date(2015, 1, 1))
    case = case_services.open_case(owner, kind=CaseKind.SUPPORT, pupil=pupil)
    return services.record_justification(
        owner,
        case,
        organisation=region["swv"],
        categories=["family"],
        reason="Acuut onveilige thuissituatie; het SWV moet dit weten voor een noodplaatsing.",
    )


def test_con_05_privacy_officer_sees_decision_without_case_content(
    region: dict[str, Any], decision: Justification
) -> None:
    officer = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg")
    response = verified_client(officer).get(reverse("privacy_officer:justifications"))
    assert response.status_code == 200
    body = response.content.decode()
    assert decision.case.pseudonym in body and "noodplaatsing" in body
    assert "Geertje" not in body  # the pupil's name is case content
    assert AccessLogEntry.objects.filter(
        actor=officer, action="list", object_id=str(decision.pk), activity="privacy_supervision"
    ).exists()


def test_con_05_privacy_officer_marks_reviewed_and_it_is_logged(
    region: dict[str, Any], decision: Justification
) -> None:
    officer = make_professional(region["swv"], Role.PRIVACY_OFFICER, username="fg2")
    client = verified_client(officer)
    response = client.post(reverse("privacy_officer:justification_reviewed", args=[decision.pk]))
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.reviewed_by_privacy_officer_at is not None
    assert AccessLogEntry.objects.filter(actor=officer, action="review_justification").exists()


def test_org_02_other_roles_cannot_open_the_privacy_officer_pages(
    coordinator_a: Any, decision: Justification
) -> None:
    client = verified_client(coordinator_a)
    assert client.get(reverse("privacy_officer:justifications")).status_code == 403
    response = client.post(reverse("privacy_officer:justification_reviewed", args=[decision.pk]))
    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.reviewed_by_privacy_officer_at is None
