from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "passend.cases"
    label = "cases"
    verbose_name = "Trajecten"

    def ready(self) -> None:
        from passend.accounts.demo import register_part
        from passend.bsn_guard import guard_models
        from passend.cases import activities  # noqa: F401  (declares processing activities)
        from passend.cases.demo import load_cases
        from passend.cases.models import (
            Case,
            CaseEntry,
            Hearing,
            Participant,
            PhaseChange,
            ReuseApproval,
        )

        guard_models(Case, Participant, PhaseChange, Hearing, CaseEntry, ReuseApproval)
        register_part(load_cases)
        from passend.cases import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
