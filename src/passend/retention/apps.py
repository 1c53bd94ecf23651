from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "passend.retention"
    label = "retention"
    verbose_name = "Bewaartermijnen"

    def ready(self) -> None:
        from passend.bsn_guard import guard_models
        from passend.retention import activities  # noqa: F401  (declares processing activities)
        from passend.retention.models import LegalHold, RetentionPolicy

        guard_models(LegalHold, RetentionPolicy)
        from passend.retention import subject_data  # noqa: F401  (access-bundle exporter, PRV-02)
