from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "passend.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.accounts.demo import register_part
        from passend.accounts.models import Role
        from passend.navigation import NavItem, register
        from passend.privacy.demo import load_after_other_parts

        # No guard_models here: the pseudonyms are hex digests, in which a nine-digit run can
        # pass the elfproef. The services check every typed text with ensure_no_bsn (AGE-02).
        register(
            NavItem(
                "privacy:request_list",
                _("Verzoeken AVG"),
                roles=frozenset(
                    {
                        Role.PRIVACY_OFFICER,
                        Role.SWV_DIRECTOR,
                        Role.INFORMATION_DESK,
                        Role.SUPPORT_COORDINATOR,
                    }
                ),
                superuser=False,
                order=90,
            )
        )
        register_part(load_after_other_parts)
