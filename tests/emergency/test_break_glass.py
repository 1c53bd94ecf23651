"""Break-the-glass (CON-05, PRV-08): access outside one's involvement with a stated reason,
time-limited, read-only, flagged in the access log and notified to the FG."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from passend.access.policy import Action, can
from passend.accounts.models import Membership, Role
from passend.cases import services as case_services
from passend.cases.models import Case
from passend.emergency import services
from passend.emergency.models import BreakGlassGrant
from passend.privacy.models import AccessLogEntry
from tests.access.helpers import make_pupil
from tests.cases.screens import actor, open_case
from tests.conftest import make_professional, verified_client

pytestmark = pytest.mark.django_db

REASON = "Leerling staat aan de balie in crisis; ouders onbereikbaar, plan nodig."


@pytest.fixture
def case_b(region: dict[str, Any], coordinator_b: Any) -> Case:
    return open_case(coordinator_b, make_pupil(region["school_b"], first_name="Noodgeval"))


@pytest.fixture
def officer(region: dict[str, Any]) -> Any:
    return make_professional(
        region["swv"], Role.PRIVACY_OFFICER, username="fg-nood", email="fg@example.invalid"
    )


def test_con05_break_the_glass_grants_flagged_read_access_and_notifies_the_fg(
    case_b: Case, coordinator_a: Any, officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = verified_client(coordinator_a)
    detail = reverse("cases:detail", args=[case_b.pk])
    assert client.get(detail).status_code == 404  # not involved
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("emergency:request"), {"pseudonym": case_b.pseudonym, "reason": REASON}
        )
    assert response.status_code == 302 and response["Location"] == detail
    grant = BreakGlassGrant.objects.get()
    assert grant.user == coordinator_a and grant.reason == REASON
    assert grant.expires_at - grant.granted_at == dt.timedelta(hours=services.grant_hours())
    # The FG gets a content-free e-mail.
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert case_b.pseudonym not in mail.outbox[0].body and "Noodgeval" not in mail.outbox[0].body
    # The case opens, and every read under the grant is flagged in the log.
    assert client.get(detail).status_code == 200
    flagged = AccessLogEntry.objects.filter(
        actor=coordinator_a, object_id=str(case_b.pk), legal_ground="break_the_glass"
    )
    assert flagged.filter(action="break_the_glass", activity="break_the_glass").exists()
    assert flagged.filter(action="view", outcome="allowed").exists()
    # Read-only: no entries under a break-the-glass grant.
    membership = Membership.objects.get(user=coordinator_a)
    assert not can(coordinator_a, membership, Action.ADD_ENTRY, case_b)
    with pytest.raises(PermissionDenied):
        case_services.add_entry(
            actor(coordinator_a), case_b, category="ordinary", title="x", body="y"
        )


def test_con05_break_the_glass_expires(case_b: Case, coordinator_a: Any) -> None:
    grant = services.break_glass(actor(coordinator_a), pseudonym=case_b.pseudonym, reason=REASON)
    BreakGlassGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client = verified_client(coordinator_a)
    assert client.get(reverse("cases:detail", args=[case_b.pk])).status_code == 404


def test_con05_break_the_glass_needs_a_reason_and_a_professional_role(
    region: dict[str, Any], case_b: Case, coordinator_a: Any, officer: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        services.break_glass(actor(coordinator_a), pseudonym=case_b.pseudonym, reason="nood")
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):  # the FG never sees case content (ORG-02)
        services.break_glass(actor(officer), pseudonym=case_b.pseudonym, reason=REASON)
    with pytest.raises(ValidationError):
        services.break_glass(actor(coordinator_a), pseudonym="T0000-XXXXX", reason=REASON)
    assert AccessLogEntry.objects.filter(
        actor=coordinator_a, action="break_the_glass", outcome="denied"
    ).exists()
    assert not BreakGlassGrant.objects.exists()
    response = verified_client(officer).get(reverse("emergency:request"))
    assert response.status_code == 403


def test_con05_restricted_case_cannot_be_opened_by_breaking_the_glass(
    case_b: Case, coordinator_a: Any
) -> None:
    Case.objects.filter(pk=case_b.pk).update(restricted_since=timezone.now())
    with pytest.raises(ValidationError):
        services.break_glass(actor(coordinator_a), pseudonym=case_b.pseudonym, reason=REASON)
