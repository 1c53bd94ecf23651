"""Revokes an API token, named by its prefix (or the whole token)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from passend.accounts import services
from passend.accounts.models import ApiToken, hash_token
from passend.privacy.context import AccessContext


class Command(BaseCommand):
    help = "Trekt een API-token in, aangewezen met zijn prefix (de eerste 8 tekens)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", help="De prefix van het token, of het hele token.")

    def handle(self, *args: Any, **options: Any) -> None:
        value: str = options["prefix"].strip()
        if len(value) > 8:
            candidates = list(ApiToken.objects.filter(key_hash=hash_token(value)))
        else:
            candidates = list(ApiToken.objects.filter(prefix=value, revoked_at__isnull=True))
        if not candidates:
            raise CommandError(
                _("Geen actief token met prefix %(prefix)s gevonden.") % {"prefix": value[:8]}
            )
        if len(candidates) > 1:
            raise CommandError(
                _(
                    "Meerdere tokens hebben prefix %(prefix)s; geef het hele token op om het "
                    "juiste in te trekken."
                )
                % {"prefix": value}
            )
        token = candidates[0]
        try:
            services.revoke_api_token(AccessContext.system(trace_id="revoke_api_token"), token)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(_("Token %(prefix)s is ingetrokken.") % {"prefix": token.prefix})
