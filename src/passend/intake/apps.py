from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "passend.intake"
    label = "intake"
    verbose_name = "Digitaal aanmeldformulier"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from passend.accounts.demo import register_part
        from passend.bsn_guard import guard_models
        from passend.intake import activities  # noqa: F401  (declares processing activities)
        from passend.intake.demo import load_intake
        from passend.intake.models import (
            DeliveryLink,
            IntakeAttachmentRule,
            IntakeField,
            IntakeForm,
            IntakeSubmission,
        )
        from passend.intake.services import CONFIG_ROLES, QUEUE_ROLES
        from passend.navigation import NavItem, register

        guard_models(IntakeForm, IntakeField, IntakeAttachmentRule, IntakeSubmission, DeliveryLink)
        register_part(load_intake)
        register(
            NavItem("intake:queue", _("Aanmeldingen"), roles=QUEUE_ROLES, superuser=False, order=62)
        )
        register(
            NavItem(
                "intake:form_list",
                _("Aanmeldformulieren"),
                roles=CONFIG_ROLES,
                superuser=False,
                order=63,
            )
        )

        from passend.cases.panels import CasePanel
        from passend.cases.panels import register as register_panel
        from passend.intake.selectors import delivery_panel

        register_panel(CasePanel("intake_delivery", "intake/_case_panel.html", delivery_panel, 60))
        from passend.intake import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
