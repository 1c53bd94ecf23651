"""Background tasks of the TLV module. No arguments with personal data."""

from __future__ import annotations

from django.tasks import task


@task
def remind_overdue_terms() -> int:
    """Daily: e-mail reminders about overdue TLV terms (TLV-04), without personal data."""
    from passend.tlv.services import send_overdue_reminders

    return send_overdue_reminders()
