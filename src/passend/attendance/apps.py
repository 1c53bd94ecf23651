from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "passend.attendance"
    label = "attendance"
    verbose_name = "Verzuim en thuiszitters"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.accounts.models import Role
        from passend.attendance import activities  # noqa: F401  (declares processing activities)
        from passend.attendance.models import (
            AbsenceRecord,
            ContactRefusal,
            DuoReport,
            HomeStay,
            OfficerNote,
            PreventiveNote,
        )
        from passend.bsn_guard import guard_models
        from passend.navigation import NavItem, register

        guard_models(
            AbsenceRecord, ContactRefusal, DuoReport, OfficerNote, PreventiveNote, HomeStay
        )
        register(
            NavItem(
                "attendance:index",
                _("Verzuim"),
                roles=frozenset(
                    {
                        Role.SUPPORT_COORDINATOR,
                        Role.ATTENDANCE_OFFICER,
                        Role.SWV_DIRECTOR,
                        Role.ECT_MEMBER,
                    }
                ),
                superuser=False,
                order=50,
            )
        )
        from passend.attendance import (
            generator,  # noqa: F401  (region generator part, issue 10)
            subject_data,  # noqa: F401  (access-bundle exporter, PRV-02)
        )
