"""Subject requests (PRV-01..04): intake, identity check that suspends the term, extension with
reasons told to the requester, assignment, decision with reasons, execution, overdue list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from passend.access.actor import Actor
from passend.accounts.models import Membership, Role
from passend.privacy import selectors, services
from passend.privacy.models import AccessLogEntry, SubjectRequest, SubjectRequestEvent
from passend.terms.models import Term
from tests.conftest import make_professional

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 2)


def _submit(pupil: Any, **kwargs: Any) -> SubjectRequest:
    values: dict[str, Any] = {
        "pupil": pupil,
        "kind": "access",
        "description": "Graag inzage in alle gegevens over mijn zoon.",
        "requester_name": "Saskia Verzoeker",
        "requester_relation": "parent",
        "channel": "portal",
        "received_on": MONDAY,
    }
    values.update(kwargs)
    return services.submit_subject_request(**values)


def test_prv02_portal_request_goes_to_the_swv_of_the_school_with_a_four_week_term(
    region: dict[str, Any], pupil: Any
) -> None:
    request = _submit(pupil, identity_verified=True)
    assert request.organisation_id == region["swv"].pk  # the SWV of school A
    assert request.reference == f"AVG-2026-{request.pk:05d}"
    # 2 March + 4 weeks = 30 March (hand-computed).
    assert request.due_date == dt.date(2026, 3, 30)
    term = Term.objects.get(object_type="privacy.subjectrequest", object_id=str(request.pk))
    assert term.rule.code == "subject-request" and term.due_date == dt.date(2026, 3, 30)
    assert AccessLogEntry.objects.filter(
        action="create", object_type="privacy.subjectrequest", object_id=str(request.pk)
    ).exists()


def test_prv02_identity_doubt_suspends_and_extension_adds_weeks(
    region: dict[str, Any], pupil: Any, fg_actor: Actor
) -> None:
    """Hand-computed: received Mon 2 March; identity proven Mon 9 March (7 days suspended);
    4 weeks → 30 March + 7 = 6 April. Extension by 4 weeks → 2 March + 8 weeks = 27 April,
    + 7 = 4 May. Another 4 (total 8, the maximum) → 25 May + 7 = 1 June. One more is refused."""
    request = _submit(pupil)
    term = Term.objects.get(object_type="privacy.subjectrequest", object_id=str(request.pk))
    assert term.suspended_since == MONDAY
    assert request.identity_pending
    # While suspended the request is never overdue, however late it is.
    assert not selectors.overdue_subject_requests(today=dt.date(2026, 10, 1)).filter(pk=request.pk)

    request = services.verify_identity(
        fg_actor, request, on=dt.date(2026, 3, 9), note="Paspoort getoond aan de balie"
    )
    assert request.due_date == dt.date(2026, 4, 6)

    request = services.extend_subject_request(
        fg_actor, request, weeks=4, reason="Veel gegevens bij vijf organisaties op te vragen."
    )
    assert request.due_date == dt.date(2026, 5, 4)
    request = services.extend_subject_request(
        fg_actor, request, weeks=4, reason="Nog twee partijen moeten hun gegevens aanleveren."
    )
    assert request.due_date == dt.date(2026, 6, 1)
    with pytest.raises(ValidationError) as error:
        services.extend_subject_request(
            fg_actor, request, weeks=1, reason="Nog een week nodig voor de laatste partij."
        )
    assert "weeks" in error.value.message_dict

    # The reason is told to the requester: a recorded notice naming the new date.
    notices = SubjectRequestEvent.objects.filter(
        request=request, kind=SubjectRequestEvent.Kind.NOTICE
    )
    assert notices.count() == 2
    assert "01-06-2026" in notices.last().note  # type: ignore[union-attr]
    assert "Nog twee partijen" in notices.last().note  # type: ignore[union-attr]


def test_prv02_extension_needs_a_reason(pupil: Any, fg_actor: Actor) -> None:
    request = _submit(pupil, identity_verified=True)
    with pytest.raises(ValidationError) as error:
        services.extend_subject_request(fg_actor, request, weeks=2, reason=" ")
    assert "reason" in error.value.message_dict


def test_prv01_kinds_and_validation_name_the_field(pupil: Any) -> None:
    with pytest.raises(ValidationError) as error:
        _submit(pupil, kind="portability-ish", description="", requester_relation="neighbour")
    assert {"kind", "description", "requester_relation"} <= set(error.value.message_dict)
    for kind in (
        "access",
        "rectification",
        "erasure",
        "restriction",
        "objection",
        "complaint",
        "human_review",
    ):
        assert _submit(pupil, kind=kind).kind == kind


def test_prv01_bsn_in_a_request_is_refused(pupil: Any) -> None:
    with pytest.raises(ValidationError):
        _submit(pupil, description="Mijn BSN is 111222333, graag inzage.")


def test_prv03_decision_needs_identity_and_reasons_and_ends_the_term(
    region: dict[str, Any], pupil: Any, fg_actor: Actor
) -> None:
    request = _submit(pupil, kind="erasure")
    with pytest.raises(ValidationError) as error:
        services.decide_subject_request(
            fg_actor, request, outcome="granted", reasons="Akkoord met verwijdering."
        )
    assert "outcome" in error.value.message_dict  # identity first (PRV-02)
    services.verify_identity(fg_actor, request, on=dt.date(2026, 3, 3), note="DigiD-sessie")
    with pytest.raises(ValidationError) as error:
        services.decide_subject_request(fg_actor, request, outcome="granted", reasons="")
    assert "reasons" in error.value.message_dict
    request = services.decide_subject_request(
        fg_actor,
        request,
        outcome="partial",
        reasons="Verwijderd wat kan; het TLV-besluit valt onder de bewaarplicht.",
        on=dt.date(2026, 3, 20),
    )
    assert request.status == SubjectRequest.Status.DECIDED
    term = Term.objects.get(object_type="privacy.subjectrequest", object_id=str(request.pk))
    assert term.completed_on == dt.date(2026, 3, 20)
    with pytest.raises(ValidationError):
        services.execute_subject_request(fg_actor, request, note="")
    request = services.execute_subject_request(
        fg_actor, request, note="Notities verwijderd; TLV-besluit bewaard (bewaarplicht)."
    )
    assert request.status == SubjectRequest.Status.EXECUTED
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds[:2] == ["received", "identity"] and "decided" in kinds and "executed" in kinds


def test_prv03_refusal_closes_the_request_with_a_notice(pupil: Any, fg_actor: Actor) -> None:
    request = _submit(pupil, kind="rectification")
    request = services.decide_subject_request(
        fg_actor, request, outcome="refused", reasons="De identiteit kon niet worden vastgesteld."
    )
    assert request.status == SubjectRequest.Status.CLOSED
    assert request.events.filter(kind="notice", note__contains="Afgewezen").exists()


def test_prv01_only_handlers_of_the_organisation_act(
    region: dict[str, Any], pupil: Any, coordinator_b: Any
) -> None:
    request = _submit(pupil, identity_verified=True)
    outsider = Actor.for_membership(Membership.objects.get(user=coordinator_b))  # school B
    with pytest.raises(PermissionDenied):
        services.verify_identity(outsider, request, note="x")
    ect = make_professional(region["swv"], Role.ECT_MEMBER, username="ect-h8a")
    ect_actor = Actor.for_membership(Membership.objects.get(user=ect))
    with pytest.raises(PermissionDenied):
        services.decide_subject_request(
            ect_actor, request, outcome="granted", reasons="Mag ik dit wel besluiten?"
        )
    with pytest.raises(PermissionDenied):
        services.register_subject_request(
            ect_actor,
            pupil=pupil,
            kind="access",
            description="Inzage",
            requester_name="X",
            requester_relation="parent",
        )


def test_prv01_assignment_to_a_handler_only(
    region: dict[str, Any], pupil: Any, fg_actor: Actor
) -> None:
    request = _submit(pupil, identity_verified=True)
    director = make_professional(region["swv"], Role.SWV_DIRECTOR, username="dir-h8a")
    ect = make_professional(region["swv"], Role.ECT_MEMBER, username="ect2-h8a")
    with pytest.raises(ValidationError):
        services.assign_subject_request(fg_actor, request, user=ect)
    request = services.assign_subject_request(fg_actor, request, user=director)
    assert request.status == SubjectRequest.Status.ASSIGNED
    assert request.assigned_to == director


def test_overdue_subject_requests_lists_open_requests_past_due(pupil: Any, fg_actor: Actor) -> None:
    late = _submit(pupil, identity_verified=True)  # due 30 March
    suspended = _submit(pupil)  # identity pending: clock stands still
    decided = _submit(pupil, identity_verified=True)
    services.decide_subject_request(
        fg_actor, decided, outcome="granted", reasons="Inzage verstrekt aan de ouder."
    )
    on_time = _submit(pupil, identity_verified=True, received_on=dt.date(2026, 11, 20))
    overdue = list(selectors.overdue_subject_requests(today=dt.date(2026, 11, 23)))
    assert late in overdue
    assert suspended not in overdue and decided not in overdue and on_time not in overdue
    assert list(selectors.overdue_subject_requests(today=dt.date(2026, 3, 30))) == []
