"""Background task of retention. No arguments: no personal data in the queue."""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task
def purge_expired_cases() -> dict[str, Any]:
    """Daily (PRV-06): delete expired cases without a legal hold; returns the counts."""
    from passend.retention.services import describe, purge_expired

    return describe(purge_expired(trigger="task"))
