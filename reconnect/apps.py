from django.apps import AppConfig


class ReconnectConfig(AppConfig):
    name = "reconnect"
    verbose_name = "Provider accounts"

    def ready(self):
        from connections import authorization

        from .identity import check_account

        if check_account not in authorization.CREDENTIAL_CHECKS:
            authorization.CREDENTIAL_CHECKS.append(check_account)
