from django.apps import AppConfig


class ReconnectConfig(AppConfig):
    name = "reconnect"
    verbose_name = "Provider accounts"

    def ready(self):
        from builder import sections
        from connections import authorization

        from . import forms
        from .identity import check_account

        sections.register(forms.SECTION)  # the identity field on the builder's Security page
        if check_account not in authorization.CREDENTIAL_CHECKS:
            authorization.CREDENTIAL_CHECKS.append(check_account)
