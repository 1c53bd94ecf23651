"""Background tasks of the attendance app. Arguments are ids only: no personal data in the queue."""

from __future__ import annotations

from django.tasks import task


@task
def process_absence_import(import_id: int) -> dict[str, int] | None:
    """Process an uploaded absence export (``importers.run_import``); returns the counts."""
    from passend.attendance.importers import run_import

    result = run_import(import_id)
    if result is None:
        return None
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "signals": result.signals,
    }
