from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "passend.inquiries"
    label = "inquiries"
    verbose_name = "Informatiepunt"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.accounts.models import Role
        from passend.bsn_guard import guard_models
        from passend.inquiries import activities  # noqa: F401  (declares activities)
        from passend.inquiries.models import Inquiry, InquiryEvent
        from passend.navigation import NavItem, register

        guard_models(Inquiry, InquiryEvent)
        register(
            NavItem(
                "inquiries:queue",
                _("Informatiepunt"),
                roles=frozenset(
                    {
                        Role.INFORMATION_DESK,
                        Role.SWV_DIRECTOR,
                        Role.ECT_MEMBER,
                        Role.BEHAVIOUR_EXPERT,
                    }
                ),
                superuser=False,
                order=60,
            )
        )
        from passend.inquiries import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
