from django.apps import AppConfig


class FgConfig(AppConfig):
    """The privacy officer's (FG) console under /fg/: no case content; its one model is a
    register's PDF built in the background (models.RegisterPdf)."""

    name = "passend.fg"
    label = "fg"
    verbose_name = "Functionaris gegevensbescherming"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.accounts.models import Role
        from passend.navigation import NavItem, register

        register(
            NavItem(
                "privacy_officer:index",
                _("Privacy (FG)"),
                roles=frozenset({Role.PRIVACY_OFFICER}),
                superuser=False,
                order=80,
            )
        )
        register(
            NavItem(
                "privacy_officer:register_processing",
                _("Registers"),
                roles=frozenset({Role.FUNCTIONAL_ADMIN}),
                superuser=False,
                order=85,
            )
        )
