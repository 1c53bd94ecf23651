"""Informatiepunt rules (INF-01): registration with a configurable answer term, assignment,
answering, referral, closing, refused transitions, escalation when overdue without personal
data in the e-mail, and SWV-internal access."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from passend.accounts.models import Membership
from passend.inquiries import services
from passend.inquiries.models import Inquiry, InquiryEvent, normalise_phone
from passend.inquiries.tasks import escalate_overdue_inquiries
from passend.privacy.models import AccessLogEntry
from passend.terms import calendar
from passend.terms.models import TermRule
from passend.terms.selectors import terms_for
from tests.access.helpers import add_participant, make_case, make_pupil
from tests.inquiries.conftest import Desk, days_ago, registered

pytestmark = pytest.mark.django_db


def test_inf_01_question_term_is_ten_working_days(desk: Desk) -> None:
    received = dt.date(2025, 12, 22)  # Christmas, Boxing Day and New Year do not count
    inquiry = registered(desk, received_on=received)
    assert inquiry.due_date == dt.date(2026, 1, 8)
    assert inquiry.due_date == calendar.add_working_days(received, 10)
    term = terms_for("inquiries.inquiry", inquiry.pk).get()
    assert term.rule.code == "inquiry-answer" and term.due_date == inquiry.due_date
    assert term.owner == desk.region["swv"]
    assert "Petra" not in term.subject_pseudonym
    assert inquiry.events.get().kind == InquiryEvent.Kind.REGISTERED


def test_inf_01_complaint_term_is_six_weeks_and_configurable(desk: Desk) -> None:
    received = days_ago(3)
    complaint = registered(desk, kind="complaint", received_on=received)
    assert complaint.due_date == received + dt.timedelta(weeks=6)
    TermRule.objects.filter(code="inquiry-complaint").update(length=4)
    again = registered(desk, kind="complaint", received_on=received)
    assert again.due_date == received + dt.timedelta(weeks=4)


def test_registration_errors_name_the_field(desk: Desk) -> None:
    with pytest.raises(ValidationError) as error:
        registered(
            desk,
            kind="wens",
            channel="fax",
            topic=" ",
            contact_name="",
            contact_email="geen-adres",
            received_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert {"kind", "channel", "topic", "contact_name", "contact_email", "received_on"} <= set(
        error.value.message_dict
    )
    assert "INF-01" in error.value.message_dict["kind"][0]
    assert not Inquiry.objects.exists()


def test_bsn_in_the_question_is_refused_age_02(desk: Desk) -> None:
    with pytest.raises(ValidationError) as error:
        registered(desk, question="Mijn kind heeft BSN 123456782.")
    assert "question" in error.value.message_dict
    assert not Inquiry.objects.exists()


def test_only_the_desk_and_director_register(desk: Desk, coordinator_a: Any) -> None:
    for user in (desk.ect, coordinator_a):
        with pytest.raises(PermissionDenied):
            services.register(
                desk.actor(user),
                kind="question",
                channel="phone",
                topic="x",
                question="y",
                contact_role="parent",
                contact_name="z",
            )
    assert (
        services.register(
            desk.actor(desk.director),
            kind="question",
            channel="desk",
            topic="Klachtenregeling",
            question="Waar kan ik terecht?",
            contact_role="professional",
            contact_name="Mr. Jansen",
        ).swv
        == desk.region["swv"]
    )


def test_case_is_linked_only_with_access_otherwise_only_the_pseudonym(
    desk: Desk, coordinator_a: Any
) -> None:
    """ORG-04: the desk links a case only if the policy lets them see it."""
    school_membership = Membership.objects.get(user=coordinator_a)
    case = make_case(school_membership, pupil=make_pupil(desk.region["school_a"]))
    inquiry = registered(desk, case_reference=case.pseudonym.lower())
    assert inquiry.case is None and inquiry.case_reference == case.pseudonym
    add_participant(case, Membership.objects.get(user=desk.desk), "intake")
    from passend.consent.models import LegalGround

    LegalGround.objects.create(
        case=case,
        organisation=desk.region["swv"],
        basis="extra_support",
        categories=["ordinary"],
        recorded_by=coordinator_a,
    )
    linked = registered(desk, case_reference=case.pseudonym)
    assert linked.case == case
    unknown = registered(desk, case_reference="T2026-NOPE1")
    assert unknown.case is None and unknown.case_reference == "T2026-NOPE1"


def test_path_assign_answer_close_and_history(desk: Desk) -> None:
    inquiry = registered(desk)
    services.assign(desk.actor(desk.desk), inquiry, user=desk.ect, note="Inhoudelijk")
    inquiry.refresh_from_db()
    assert inquiry.status == "assigned" and inquiry.assigned_to == desk.ect
    services.answer(desk.actor(desk.ect), inquiry, text="Via de school: de IB'er vraagt aan.")
    inquiry.refresh_from_db()
    assert inquiry.status == "answered"
    assert terms_for("inquiries.inquiry", inquiry.pk).get().completed_on is not None
    services.close(desk.actor(desk.desk), inquiry)
    inquiry.refresh_from_db()
    assert inquiry.status == "closed"
    kinds = list(inquiry.events.values_list("kind", flat=True))
    assert kinds == ["registered", "assigned", "answered", "closed"]
    assert set(
        AccessLogEntry.objects.filter(activity="information_desk").values_list("action", flat=True)
    ) >= {"create", "assign", "answer", "close"}


def test_refer_completes_the_term(desk: Desk) -> None:
    inquiry = registered(desk, kind="complaint")
    with pytest.raises(ValidationError) as error:
        services.refer(desk.actor(desk.desk), inquiry, referred_to=" ")
    assert "referred_to" in error.value.message_dict
    services.refer(desk.actor(desk.desk), inquiry, referred_to="Landelijke Klachtencommissie")
    inquiry.refresh_from_db()
    assert inquiry.status == "referred"
    assert terms_for("inquiries.inquiry", inquiry.pk).get().completed_on is not None


def test_refused_transitions(desk: Desk) -> None:
    inquiry = registered(desk)
    with pytest.raises(ValidationError):
        services.answer(desk.actor(desk.desk), inquiry, text="  ")
    services.answer(desk.actor(desk.desk), inquiry, text="Antwoord.")
    for step in (
        lambda: services.refer(desk.actor(desk.desk), inquiry, referred_to="X"),
        lambda: services.answer(desk.actor(desk.desk), inquiry, text="Nog eens."),
        lambda: services.assign(desk.actor(desk.desk), inquiry, user=desk.ect),
    ):
        with pytest.raises(ValidationError) as error:
            step()
        assert "INF-01" in error.value.message_dict["status"][0]
    services.close(desk.actor(desk.desk), inquiry)
    with pytest.raises(ValidationError):
        services.close(desk.actor(desk.desk), inquiry)
    # Closing an unanswered inquiry needs a note.
    other = registered(desk)
    with pytest.raises(ValidationError) as error:
        services.close(desk.actor(desk.desk), other)
    assert "note" in error.value.message_dict
    services.close(desk.actor(desk.desk), other, note="Ouder trok de vraag in.")


def test_who_may_handle(desk: Desk) -> None:
    inquiry = registered(desk)
    with pytest.raises(PermissionDenied):  # the ECT member is not assigned
        services.answer(desk.actor(desk.ect), inquiry, text="x")
    with pytest.raises(PermissionDenied):  # another SWV's desk
        services.answer(desk.actor(desk.other_desk), inquiry, text="x")
    with pytest.raises(ValidationError) as error:  # assign outside the SWV
        services.assign(desk.actor(desk.desk), inquiry, user=desk.other_desk)
    assert "user" in error.value.message_dict
    with pytest.raises(PermissionDenied):  # the ECT member does not assign
        services.assign(desk.actor(desk.ect), inquiry, user=desk.ect)


def test_escalation_when_overdue_without_personal_data(desk: Desk) -> None:
    """INF-01 termijnbewaking: overdue inquiries are escalated once; the director gets an
    e-mail without personal data (DESIGN.md privacy core 4)."""
    overdue = registered(desk, received_on=days_ago(30))
    answered = registered(desk, received_on=days_ago(30), contact_email="ander@example.invalid")
    services.answer(desk.actor(desk.desk), answered, text="Beantwoord.")
    fresh = registered(desk, contact_email="nieuw@example.invalid")
    other = services.register(
        desk.actor(desk.other_desk),
        kind="complaint",
        channel="email",
        topic="Ander SWV",
        question="x",
        contact_role="parent",
        contact_name="Iemand",
        received_on=days_ago(60),
    )
    assert services.escalate_overdue() == 2
    for inquiry, expected in ((overdue, True), (answered, False), (fresh, False), (other, True)):
        inquiry.refresh_from_db()
        assert (inquiry.escalated_at is not None) is expected
    assert overdue.events.filter(kind="escalated").count() == 1
    assert len(mail.outbox) == 1  # the other SWV has no director with an e-mail address
    message = mail.outbox[0]
    assert message.to == ["directeur@swv.invalid"]
    assert "Er is een vraag/klacht over de termijn" in message.body
    assert f"/informatiepunt/{overdue.pk}/" in message.body
    text = message.subject + message.body
    for secret in ("Petra", "Ouderling", "petra@", "5678", "arrangement", "zoon"):
        assert secret not in text
    # Once only.
    assert services.escalate_overdue() == 0
    assert len(mail.outbox) == 1


def test_escalation_task_takes_no_arguments(desk: Desk) -> None:
    registered(desk, received_on=days_ago(30))
    result = escalate_overdue_inquiries.enqueue()
    assert result.args == [] and result.kwargs == {}
    assert Inquiry.objects.filter(escalated_at__isnull=False).count() == 1


def test_phone_numbers_are_matched_in_any_notation() -> None:
    assert normalise_phone("06-1234 5678") == normalise_phone("+31 6 12345678") == "0612345678"
