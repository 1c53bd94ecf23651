"""Enqueue the daily reminder about overdue TLV terms (run from cron / a systemd timer)."""

from django.core.management.base import BaseCommand

from passend.tlv.tasks import remind_overdue_terms


class Command(BaseCommand):
    help = "Herinnering over verstreken TLV-termijnen in de wachtrij zetten (TLV-04)."

    def handle(self, *args: object, **options: object) -> None:
        remind_overdue_terms.enqueue()
        self.stdout.write("ok")
