"""Background tasks of the pupils app. Arguments are ids only: no personal data in the queue."""

from __future__ import annotations

from django.tasks import task


@task
def process_pupil_import(import_id: int) -> dict[str, int] | None:
    """Process an uploaded pupil export (``importers.run_import``); returns the counts."""
    from passend.pupils.importers import run_import

    result = run_import(import_id)
    if result is None:
        return None
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
    }
