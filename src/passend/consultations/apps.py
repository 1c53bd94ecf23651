from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "passend.consultations"
    label = "consultations"
    verbose_name = "Casusoverleg"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.accounts.demo import register_part
        from passend.accounts.models import Role
        from passend.bsn_guard import guard_models
        from passend.consultations import activities  # noqa: F401  (declares activities)
        from passend.consultations.demo import load_meetings
        from passend.consultations.models import (
            AgendaItem,
            ConsultationKind,
            Escalation,
            Goal,
            KindDeviation,
            KindParty,
            KnownName,
            Meeting,
            Minutes,
            Opp,
            PlanAction,
            ProgressNote,
        )
        from passend.navigation import NavItem, register

        guard_models(
            ConsultationKind,
            KindParty,
            KindDeviation,
            Meeting,
            AgendaItem,
            Minutes,
            KnownName,
            Goal,
            PlanAction,
            ProgressNote,
            Escalation,
            Opp,
        )
        register_part(load_meetings)
        professionals = frozenset(Role) - {Role.PRIVACY_OFFICER, Role.FUNCTIONAL_ADMIN}
        register(
            NavItem(
                "consultations:meetings",
                _("Overleggen"),
                roles=professionals,
                superuser=False,
                order=30,
            )
        )
        register(
            NavItem(
                "consultations:my_actions",
                _("Mijn acties"),
                roles=professionals,
                superuser=False,
                order=31,
            )
        )
        register(
            NavItem(
                "consultations:kinds",
                _("Soorten overleg"),
                roles=frozenset({Role.FUNCTIONAL_ADMIN, Role.SWV_DIRECTOR}),
                order=80,
            )
        )
        from passend.consultations import (
            generator,  # noqa: F401  (region generator part, issue 10)
            subject_data,  # noqa: F401  (access-bundle exporter, PRV-02)
        )
