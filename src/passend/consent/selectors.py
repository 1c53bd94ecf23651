"""Reads of the consent app that leave it."""

from __future__ import annotations

from django.db.models import QuerySet

from passend.consent.models import Justification


def justifications_for_privacy_officer() -> QuerySet[Justification]:
    """CON-05: every compelling-interest decision, unreviewed first, for the FG.

    The FG sees the decision (who, when, why, what) and the case pseudonym, never the case
    content or the pupil's name (ORG-02).
    """
    return Justification.objects.select_related("case", "organisation", "decided_by").order_by(
        "-reviewed_by_privacy_officer_at", "-decided_at", "-id"
    )
