from django.apps import AppConfig
from django.core import checks


class AuthTypesConfig(AppConfig):
    name = "auth_types"
    verbose_name = "Authentication types"

    def ready(self):
        from .checks import check_auth_types

        checks.register(check_auth_types)
