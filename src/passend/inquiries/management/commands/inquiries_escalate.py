"""Enqueue the daily escalation of overdue inquiries (run from cron / a systemd timer)."""

from django.core.management.base import BaseCommand

from passend.inquiries.tasks import escalate_overdue_inquiries


class Command(BaseCommand):
    help = "Verstreken vragen en klachten van het informatiepunt escaleren (INF-01)."

    def handle(self, *args: object, **options: object) -> None:
        escalate_overdue_inquiries.enqueue()
        self.stdout.write("ok")
