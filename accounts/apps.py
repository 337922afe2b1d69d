from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Signing in: lockout after failed sign-ins, session lifetimes, two-factor authentication (TOTP)."""

    name = "accounts"
    verbose_name = "Sign-in"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .sessions import start_session
        from .two_factor import remember_state

        user_logged_in.connect(start_session, dispatch_uid="accounts.start_session")
        user_logged_in.connect(remember_state, dispatch_uid="accounts.remember_two_factor_state")
