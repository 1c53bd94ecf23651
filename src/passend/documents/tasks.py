"""Background tasks of documents. No arguments: no personal data in the queue."""

from __future__ import annotations

from django.tasks import task


@task
def cleanup_abandoned_uploads() -> dict[str, int]:
    """Daily: delete held uploads nobody decided on, and encrypted blobs without a row."""
    from passend.documents.services import delete_abandoned

    return delete_abandoned()
