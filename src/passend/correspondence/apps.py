from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    name = "passend.correspondence"
    label = "correspondence"
    verbose_name = "Correspondentie"

    def ready(self) -> None:
        from passend.bsn_guard import guard_models
        from passend.correspondence import activities  # noqa: F401  (declares activities)
        from passend.correspondence.models import Letter, LetterTemplate, Message

        guard_models(Message, Letter, LetterTemplate)
        from passend.correspondence import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
