"""Who performs a service call: user, acting membership and the request context for the log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from passend.accounts.models import Membership
from passend.privacy.context import AccessContext


@dataclass(frozen=True)
class Actor:
    user: Any
    membership: Membership | None
    context: AccessContext

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        return cls(
            user=request.user,
            membership=getattr(request, "membership", None),
            context=AccessContext.from_request(request),
        )

    @classmethod
    def for_membership(cls, membership: Membership, trace_id: str = "") -> Actor:
        """For commands, tasks and tests acting as a given membership."""
        return cls(
            user=membership.user,
            membership=membership,
            context=AccessContext(
                user=membership.user,
                organisation_id=membership.organisation_id,
                role=membership.role,
                trace_id=trace_id,
            ),
        )
