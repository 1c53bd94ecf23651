"""Issues an API token for one membership and prints it once (only its hash is stored)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from passend.accounts import services
from passend.accounts.models import Membership
from passend.privacy.context import AccessContext


def _describe(membership: Membership) -> str:
    return f"{membership.pk}: {membership.organisation.name}:{membership.role}"


def resolve_membership(user: Any, spec: str | None) -> Membership:
    """The membership meant by ``spec``: an id, ``ORGNAME:ROLE``, or none if there is only one."""
    memberships = Membership.objects.filter(user=user).select_related("organisation", "user")
    if spec:
        if spec.isdigit():
            found = memberships.filter(pk=int(spec)).first()
        else:
            org_name, sep, role = spec.rpartition(":")
            if not sep or not org_name or not role:
                raise CommandError(
                    _("--membership: geef een nummer of ORGANISATIENAAM:ROL, bijvoorbeeld %(ex)s.")
                    % {"ex": '"School A:support_coordinator"'}
                )
            found = memberships.filter(
                organisation__name__iexact=org_name.strip(), role=role.strip()
            ).first()
        if found is None:
            raise CommandError(
                _("--membership %(spec)s: gebruiker %(user)s heeft dit lidmaatschap niet.")
                % {"spec": spec, "user": user.get_username()}
            )
        return found
    current = list(memberships.active())
    if len(current) == 1:
        return current[0]
    if not current:
        raise CommandError(
            _("Gebruiker %(user)s heeft geen actief lidmaatschap (ORG-02).")
            % {"user": user.get_username()}
        )
    options = "\n".join(f"  {_describe(m)}" for m in current)
    raise CommandError(
        _(
            "Gebruiker %(user)s heeft meerdere lidmaatschappen; kies er een met --membership "
            "(nummer of ORGANISATIENAAM:ROL):\n%(options)s"
        )
        % {"user": user.get_username(), "options": options}
    )


class Command(BaseCommand):
    help = (
        "Geeft een API-token uit voor één lidmaatschap en toont het eenmalig "
        "(alleen de hash wordt opgeslagen)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--membership",
            help='Nummer van het lidmaatschap of "ORGANISATIENAAM:ROL". '
            "Mag weg als de gebruiker precies één actief lidmaatschap heeft.",
        )
        parser.add_argument("--name", default="", help="Omschrijving, bijv. de koppeling.")
        parser.add_argument(
            "--days", type=int, default=None, help="Geldigheid in dagen (standaard: instelling)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                _("Gebruiker %(user)s bestaat niet.") % {"user": options["username"]}
            )
        membership = resolve_membership(user, options["membership"])
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError(_("--days: geef een geheel aantal dagen van 1 of meer."))
        lifetime = timedelta(days=days) if days is not None else None
        try:
            token, raw = services.issue_api_token(
                AccessContext.system(trace_id="issue_api_token"),
                membership,
                name=options["name"],
                lifetime=lifetime,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        expires = timezone.localtime(token.expires_at).strftime("%d-%m-%Y %H:%M")
        self.stdout.write(
            _("API-token voor %(user)s, namens %(membership)s:")
            % {"user": user.get_username(), "membership": membership}
        )
        self.stdout.write(raw)
        self.stdout.write(
            _("Prefix %(prefix)s, geldig tot %(expires)s.")
            % {"prefix": token.prefix, "expires": expires}
        )
        self.stdout.write(
            _(
                "Bewaar het token nu: het wordt niet opgeslagen en kan niet opnieuw worden "
                "getoond. Gebruik: Authorization: Token <token>"
            )
        )
