from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "passend.pupils"
    label = "pupils"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.accounts.models import Role
        from passend.bsn_guard import guard_models
        from passend.navigation import NavItem, register
        from passend.pupils import activities  # noqa: F401  (declares processing activities)
        from passend.pupils.models import Enrolment, Guardian, Pupil

        guard_models(Pupil, Guardian, Enrolment)

        register(
            NavItem(
                "pupils:index",
                _("Leerlingen"),
                roles=frozenset({Role.SUPPORT_COORDINATOR}),
                superuser=False,
                order=30,
            )
        )
        from passend.pupils import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
