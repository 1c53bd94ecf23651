from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    """Break-the-glass: access to a case outside one's involvement, with a stated reason."""

    name = "passend.emergency"
    label = "emergency"
    verbose_name = "Noodtoegang"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.accounts.models import Role
        from passend.bsn_guard import guard_models
        from passend.emergency import activities  # noqa: F401  (declares processing activities)
        from passend.emergency.models import BreakGlassGrant
        from passend.navigation import NavItem, register

        guard_models(BreakGlassGrant)
        register(
            NavItem(
                "emergency:request",
                _("Noodtoegang"),
                roles=frozenset(Role) - {Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN},
                superuser=False,
                order=95,
            )
        )
        from passend.emergency import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
