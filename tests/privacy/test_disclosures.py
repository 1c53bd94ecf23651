"""Disclosures (PRV-05) are registered automatically wherever data leave the authorised
circle; rectification and erasure notify the recorded recipients (PRV-03), without content."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from passend.access.actor import Actor
from passend.accounts.models import Membership, Role
from passend.attendance import services as attendance_services
from passend.attendance.models import ReportableAbsence, ReportReason
from passend.consent import services as consent_services
from passend.correspondence import services as correspondence_services
from passend.correspondence.models import LetterTemplate
from passend.privacy import services
from passend.privacy.categories import DataCategory
from passend.privacy.context import AccessContext
from passend.privacy.models import AccessLogEntry, Disclosure, RecipientNotice
from tests.access.helpers import make_case
from tests.conftest import make_professional
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(coordinator_a: Any) -> Actor:
    return Actor.for_membership(Membership.objects.get(user=coordinator_a))


def test_prv05_a_letter_to_an_outside_recipient_is_a_disclosure(owner: Actor, pupil: Any) -> None:
    case = make_case(owner.membership, pupil=pupil)  # type: ignore[arg-type]
    template = LetterTemplate.objects.get(code="ontvangstbevestiging")
    letter = correspondence_services.create_letter(
        owner, case, template=template, recipient="Huisarts Dr. Bakker"
    )
    disclosure = Disclosure.objects.get(object_type="correspondence.letter", object_id=letter.pk)
    assert disclosure.pupil == pupil
    assert disclosure.recipient == "Huisarts Dr. Bakker"
    assert disclosure.disclosed_by == owner.user
    assert disclosure.disclosing_organisation_id == owner.membership.organisation_id  # type: ignore[union-attr]
    assert disclosure.data_categories == [DataCategory.ORDINARY]
    assert disclosure.legal_ground
    assert AccessLogEntry.objects.filter(
        action="disclose", object_type="privacy.disclosure", object_id=str(disclosure.pk)
    ).exists()


def test_prv05_con05_compelling_interest_sharing_is_a_disclosure(
    region: dict[str, Any], owner: Actor, pupil: Any
) -> None:
    case = make_case(owner.membership, pupil=pupil)  # type: ignore[arg-type]
    care = OrganisationFactory(name="Veilig Thuis Test", kind="youth_care_provider")
    consent_services.record_justification(
        owner,
        case,
        organisation=care,
        categories=[DataCategory.ORDINARY, DataCategory.FAMILY],
        reason="Acute zorg over de veiligheid thuis; overleg met Veilig Thuis is nodig.",
    )
    disclosure = Disclosure.objects.get(pupil=pupil)
    assert disclosure.recipient == "Veilig Thuis Test"
    assert disclosure.recipient_organisation_id == care.pk
    assert disclosure.object_type == "consent.justification"
    assert sorted(disclosure.data_categories) == ["family", "ordinary"]
    assert "CON-05" in disclosure.legal_ground


def test_prv05_a_duo_report_is_a_disclosure(
    region: dict[str, Any], owner: Actor, pupil: Any
) -> None:
    officer = make_professional(region["municipality"], Role.ATTENDANCE_OFFICER, username="lpa-h8a")
    start = timezone.localdate() - dt.timedelta(days=20)
    for i in range(4):
        attendance_services.record_absence(
            owner, pupil=pupil, date=start + dt.timedelta(days=i), kind="unauthorised", hours="4"
        )
    reportable = ReportableAbsence.objects.get(pupil=pupil)
    report = attendance_services.register_duo_report(
        owner,
        reportable.case,
        kind=ReportReason.SIXTEEN_HOURS,
        reported_on=timezone.localdate(),
        reference="DUO-2026-0042",
        municipality=region["municipality"],
        attendance_officer=officer,
    )
    disclosure = Disclosure.objects.get(object_type="attendance.duoreport", object_id=report.pk)
    assert disclosure.pupil == pupil
    assert disclosure.recipient_organisation_id == region["municipality"].pk
    assert sorted(disclosure.data_categories) == ["absence", "ordinary"]
    assert "Leerplichtwet" in disclosure.legal_ground


def _granted(kind: str, pupil: Any, fg_actor: Actor) -> Any:
    request = services.submit_subject_request(
        pupil=pupil,
        kind=kind,
        description="Het adres klopt niet; graag corrigeren.",
        requester_name="Ouder Test",
        requester_relation="parent",
        channel="portal",
        identity_verified=True,
    )
    return services.decide_subject_request(
        fg_actor, request, outcome="granted", reasons="Het verzoek is terecht; we passen het aan."
    )


@pytest.mark.parametrize("kind", ["rectification", "erasure"])
def test_prv03_rectification_and_erasure_notify_every_recipient_without_content(
    kind: str, region: dict[str, Any], pupil: Any, other_pupil: Any, fg_actor: Actor
) -> None:
    officer = make_professional(
        region["municipality"],
        Role.ATTENDANCE_OFFICER,
        username="lpa-n",
        email="lpa@gemeente.example",
    )
    context = AccessContext(user=None, organisation_id=region["school_a"].pk)
    to_municipality = services.register_disclosure(
        context,
        pupil_id=pupil.pk,
        recipient="Gemeente Test",
        recipient_organisation_id=region["municipality"].pk,
        description="Verzuimmelding",
        legal_ground="Leerplichtwet 1969 art. 21",
        data_categories=["absence"],
    )
    to_doctor = services.register_disclosure(
        context,
        pupil_id=pupil.pk,
        recipient="Huisarts (buiten Passend)",
        description="Brief",
        legal_ground="Toestemming",
    )
    services.register_disclosure(
        context,
        pupil_id=other_pupil.pk,
        recipient="Gemeente Test",
        recipient_organisation_id=region["municipality"].pk,
        description="Verzuimmelding",
        legal_ground="Leerplichtwet 1969 art. 21",
    )
    request = _granted(kind, pupil, fg_actor)
    mail.outbox.clear()
    services.execute_subject_request(fg_actor, request, note="Adres gecorrigeerd in het dossier.")
    notices = {n.disclosure_id: n.method for n in RecipientNotice.objects.filter(request=request)}
    assert notices == {
        to_municipality.pk: RecipientNotice.Method.EMAIL,
        to_doctor.pk: RecipientNotice.Method.MANUAL,
    }
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [officer.email]
    body = message.subject + message.body
    for secret in (pupil.first_name, pupil.last_name, "adres", "Verzuimmelding"):
        assert secret not in body
    assert request.events.filter(kind="recipients").exists()


def test_prv03_access_requests_notify_nobody(pupil: Any, fg_actor: Actor) -> None:
    services.register_disclosure(
        AccessContext.system(),
        pupil_id=pupil.pk,
        recipient="Gemeente",
        description="x",
        legal_ground="y",
    )
    request = _granted("access", pupil, fg_actor)
    services.execute_subject_request(fg_actor, request, note="Overzicht verstrekt aan de ouder.")
    assert not RecipientNotice.objects.exists()
