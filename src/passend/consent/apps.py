from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "passend.consent"
    label = "consent"
    verbose_name = "Toestemming en grondslagen"

    def ready(self) -> None:
        from passend.accounts.models import Role
        from passend.bsn_guard import guard_models
        from passend.consent.models import Consent, Justification, LegalGround
        from passend.navigation import NavItem, register

        guard_models(Consent, LegalGround, Justification)

        register(
            NavItem(
                "privacy_officer:justifications",
                _("Zwaarwegend belang"),
                roles=frozenset({Role.PRIVACY_OFFICER}),
                superuser=False,
                order=800,
            )
        )
        from passend.consent import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
