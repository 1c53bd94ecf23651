from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "passend.portal"
    label = "portal"
    verbose_name = "Ouder- en jongerenportaal"

    def ready(self) -> None:
        from passend.accounts.demo import register_part
        from passend.bsn_guard import guard_models
        from passend.portal import activities  # noqa: F401  (declares activities)
        from passend.portal.demo import load_portal_demo
        from passend.portal.models import Statement

        guard_models(Statement)
        register_part(load_portal_demo)

        from passend.cases.panels import CasePanel
        from passend.cases.panels import register as register_panel
        from passend.portal.selectors import statement_panel

        register_panel(
            CasePanel("portal_statements", "portal/_case_statements.html", statement_panel, 40)
        )
        from passend.portal import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
