from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "passend.accounts"
    label = "accounts"
    verbose_name = "Accounts en organisaties"

    def ready(self) -> None:
        from passend.accounts import signals  # noqa: F401  (login event logging)
