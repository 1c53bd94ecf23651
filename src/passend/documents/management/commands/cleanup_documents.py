"""Enqueues the daily clean-up of abandoned held uploads (run it from cron once a day)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from passend.documents.tasks import cleanup_abandoned_uploads


class Command(BaseCommand):
    help = "Deletes held uploads nobody decided on, and blobs without a row (as a task)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = cleanup_abandoned_uploads.enqueue()
        self.stdout.write(f"Clean-up enqueued ({result.id}).")
