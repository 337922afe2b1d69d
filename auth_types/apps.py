from django.apps import AppConfig


class AuthTypesConfig(AppConfig):
    name = "auth_types"
    verbose_name = "Authentication types"
