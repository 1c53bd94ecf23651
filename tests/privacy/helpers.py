"""Builders for privacy tests that go through the privacy services."""

from __future__ import annotations

from typing import Any

from passend.access.actor import Actor
from passend.privacy import services


def restrict(kind: str, pupil: Any, fg_actor: Actor) -> Any:
    """A granted and executed restriction or objection (AVG art. 18 / 21, PRV-03/04) of the
    pupil's processing, decided by the privacy officer ``fg_actor``; returns the request."""
    request = services.submit_subject_request(
        pupil=pupil,
        kind=kind,
        description="Stop met verwerken tot de juistheid is beoordeeld.",
        requester_name="Ouder Test",
        requester_relation="parent",
        channel="staff",
        identity_verified=True,
        organisation_id=fg_actor.membership.organisation_id,  # type: ignore[union-attr]
    )
    request = services.decide_subject_request(
        fg_actor, request, outcome="granted", reasons="De juistheid wordt betwist; we beperken."
    )
    return services.execute_subject_request(fg_actor, request, note="Beperking ingesteld.")
