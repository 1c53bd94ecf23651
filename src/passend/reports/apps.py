from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "passend.reports"
    label = "reports"
    verbose_name = "Rapportages"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.navigation import NavItem, register
        from passend.reports import activities  # noqa: F401  (declares activities)
        from passend.reports.scope import REPORT_ROLES

        register(
            NavItem(
                "reports:index",
                _("Rapportages"),
                roles=REPORT_ROLES,
                superuser=False,
                order=80,
            )
        )
