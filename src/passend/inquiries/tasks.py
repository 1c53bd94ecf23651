"""Background tasks of the informatiepunt. No arguments, so no personal data in the queue."""

from __future__ import annotations

from django.tasks import task


@task
def escalate_overdue_inquiries() -> int:
    """Daily: escalate inquiries past their answer term and tell the SWV director (INF-01).
    The e-mail carries no personal data."""
    from passend.inquiries.services import escalate_overdue

    return escalate_overdue()
