from django.apps import AppConfig


class TermsConfig(AppConfig):
    name = "passend.terms"
    label = "terms"
    verbose_name = "Termijnen"
