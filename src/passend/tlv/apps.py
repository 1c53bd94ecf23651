from django.apps import AppConfig


class TlvConfig(AppConfig):
    name = "passend.tlv"
    label = "tlv"
    verbose_name = "TLV"

    def ready(self) -> None:
        from passend.bsn_guard import guard_models
        from passend.tlv import activities  # noqa: F401  (declares processing activities)
        from passend.tlv.models import (
            Advice,
            Assessment,
            Decision,
            Objection,
            SafetyNetOffer,
            TlvApplication,
        )

        guard_models(TlvApplication, Assessment, Advice, Decision, SafetyNetOffer, Objection)

        from passend.accounts.demo import register_part
        from passend.tlv.demo import load_tlv_demo

        register_part(load_tlv_demo)

        from django.utils.translation import gettext_lazy as _

        from passend.accounts.models import Role
        from passend.navigation import NavItem, register

        register(
            NavItem(
                "tlv:overview",
                _("TLV"),
                roles=frozenset(
                    {
                        Role.SUPPORT_COORDINATOR,
                        Role.SCHOOL_BOARD,
                        Role.CVA_SECRETARY,
                        Role.CVA_CHAIR,
                        Role.CVA_MEDICAL_SPECIALIST,
                        Role.CVA_SOCIAL_WORKER,
                        Role.SWV_DIRECTOR,
                    }
                ),
                superuser=False,
                order=40,
            )
        )
        from passend.tlv import (
            generator,  # noqa: F401  (region generator part, issue 10)
            subject_data,  # noqa: F401  (access-bundle exporter, PRV-02)
        )
