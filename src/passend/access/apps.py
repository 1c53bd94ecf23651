from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "passend.access"
    label = "access"
