from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "passend.arrangements"
    label = "arrangements"
    verbose_name = "Arrangementen"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.accounts.models import Role
        from passend.arrangements import activities  # noqa: F401  (declares activities)
        from passend.arrangements.models import (
            Advice,
            Arrangement,
            ArrangementKind,
            Decision,
            Evaluation,
            Extension,
        )
        from passend.bsn_guard import guard_models
        from passend.navigation import NavItem, register

        guard_models(ArrangementKind, Arrangement, Advice, Decision, Evaluation, Extension)
        register(
            NavItem(
                "arrangements:list",
                _("Arrangementen"),
                roles=frozenset(
                    {
                        Role.SUPPORT_COORDINATOR,
                        Role.BEHAVIOUR_EXPERT,
                        Role.ECT_MEMBER,
                        Role.SWV_DIRECTOR,
                    }
                ),
                superuser=False,
                order=45,
            )
        )
        from passend.arrangements import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
