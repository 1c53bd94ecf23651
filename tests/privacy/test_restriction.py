"""Restriction (AVG art. 18, PRV-03/04) is enforced by `access`: while active, nobody opens or
changes the pupil's files (storage only); lifting it restores access."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from passend.access import selectors as access_selectors
from passend.access.actor import Actor
from passend.access.policy import Action, can, decide_case
from passend.accounts.models import Membership
from passend.cases.models import Case
from passend.privacy import services
from passend.privacy.models import AccessLogEntry, Outcome, ProcessingRestriction
from tests.access.helpers import make_case
from tests.conftest import verified_client
from tests.privacy.helpers import restrict

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["restriction", "objection"])
def test_prv04_restriction_blocks_every_access_to_the_pupils_cases(
    kind: str, coordinator_a: Any, pupil: Any, other_pupil: Any, fg_actor: Actor
) -> None:
    """PRV-04 (and AVG art. 18): a granted restriction or a justified objection (verzet) stops
    processing of the pupil's files at once, for everyone, on the next request."""
    membership = Membership.objects.get(user=coordinator_a)
    case = make_case(membership, pupil=pupil)
    unrelated = make_case(membership, pupil=other_pupil)
    assert can(coordinator_a, membership, Action.VIEW, case)
    client = verified_client(coordinator_a)
    assert client.get(f"/trajecten/{case.pk}/").status_code == 200

    request = restrict(kind, pupil, fg_actor)
    assert ProcessingRestriction.objects.filter(pupil=pupil, lifted_at__isnull=True).exists()
    fresh = Case.objects.get(pk=case.pk)
    decision = decide_case(coordinator_a, membership, fresh)
    assert not decision.allowed and "AVG art. 18" in decision.denied_reason
    assert not can(coordinator_a, membership, Action.ADD_ENTRY, Case.objects.get(pk=case.pk))
    assert client.get(f"/trajecten/{case.pk}/").status_code == 404
    assert AccessLogEntry.objects.filter(
        object_type="cases.case", object_id=str(case.pk), outcome=Outcome.DENIED
    ).exists()
    involved = set(access_selectors.involved_cases(coordinator_a, membership))
    assert case not in involved and unrelated in involved
    # The annotated list path decides the same without a query per case.
    annotated = access_selectors.with_policy_data(Case.objects.filter(pk=case.pk)).get()
    assert annotated.pupil_restricted is True  # type: ignore[attr-defined]
    assert not decide_case(coordinator_a, membership, annotated).allowed
    # Other pupils are untouched.
    assert client.get(f"/trajecten/{unrelated.pk}/").status_code == 200

    services.lift_restriction(fg_actor, request, reason="Gegevens zijn juist bevonden; opgeheven.")
    assert decide_case(coordinator_a, membership, Case.objects.get(pk=case.pk)).allowed
    assert client.get(f"/trajecten/{case.pk}/").status_code == 200
    assert request.events.filter(kind="notice", note__contains="opgeheven").exists()


def test_prv04_a_refused_restriction_restricts_nothing(
    coordinator_a: Any, pupil: Any, fg_actor: Actor
) -> None:
    membership = Membership.objects.get(user=coordinator_a)
    case = make_case(membership, pupil=pupil)
    request = services.submit_subject_request(
        pupil=pupil,
        kind="restriction",
        description="Beperken graag.",
        requester_name="Ouder Test",
        requester_relation="parent",
        channel="portal",
        identity_verified=True,
    )
    services.decide_subject_request(
        fg_actor, request, outcome="refused", reasons="Geen grond voor beperking gevonden."
    )
    assert decide_case(coordinator_a, membership, Case.objects.get(pk=case.pk)).allowed
    with pytest.raises(ValidationError):
        services.lift_restriction(fg_actor, request, reason="Er is niets om op te heffen hier.")
