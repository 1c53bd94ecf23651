"""Re-wraps every document key under the current master key (DESIGN.md "At rest").

Procedure: generate a new key; set it as PASSEND_DOCUMENT_MASTER_KEY with a new
PASSEND_DOCUMENT_MASTER_KEY_ID; move the old one to PASSEND_DOCUMENT_PREVIOUS_MASTER_KEYS
("old-id=base64"); restart; run this command; then remove the old key. Content is not
re-encrypted: only the small wrapped keys in the database change.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from passend.documents import crypto
from passend.documents.services import rotate_keys


class Command(BaseCommand):
    help = "Re-wraps all document keys under the current master key (no re-encryption)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = rotate_keys()
        self.stdout.write(
            f"{count} document key(s) re-wrapped under master key {crypto.current_key_id()!r}."
        )
