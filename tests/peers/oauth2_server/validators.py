import os

from oauth2_provider.oauth2_validators import OAuth2Validator


class PeerValidator(OAuth2Validator):
    """DOT's validator, plus: redirect URIs under OAUTH2_PEER_REDIRECT_PREFIX are allowed (sandbox only).

    Tests register exact URIs and leave the prefix unset, so exact matching is what they test.
    """

    def _under_prefix(self, redirect_uri):
        prefixes = os.environ.get("OAUTH2_PEER_REDIRECT_PREFIX", "").split()
        return any(redirect_uri.startswith(prefix) for prefix in prefixes)

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        return self._under_prefix(redirect_uri) or super().validate_redirect_uri(
            client_id, redirect_uri, request, *args, **kwargs)

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kwargs):
        from oauth2_provider.models import Grant

        if self._under_prefix(redirect_uri):
            return Grant.objects.filter(code=code, application=client, redirect_uri=redirect_uri).exists()
        return super().confirm_redirect_uri(client_id, code, redirect_uri, client, *args, **kwargs)
