from django import forms

from .base import AuthType, ConfigForm
from .validators import ServiceURLField, is_https

SIGNATURE_METHODS = [("HMAC-SHA1", "HMAC-SHA1"), ("HMAC-SHA256", "HMAC-SHA256"), ("PLAINTEXT", "PLAINTEXT")]
URL_FIELDS = ("request_token_url", "authorization_url", "token_url", "revoke_url")


class OAuth1ConfigForm(ConfigForm):
    secret_fields = ("consumer_secret",)

    consumer_key = forms.CharField(
        label="Consumer Key", max_length=500,
        help_text="Identifies your application to the service; from the service's developer console.",
    )
    consumer_secret = forms.CharField(
        label="Consumer Secret", max_length=500,
        help_text="Signs the requests your application makes. Stored encrypted.",
    )
    request_token_url = ServiceURLField(
        label="Request Token URL", help_text="Where the authorization starts: a temporary request token is obtained."
    )
    authorization_url = ServiceURLField(
        label="Authorization URL", help_text="Where the end user is sent to grant access."
    )
    token_url = ServiceURLField(
        label="Token URL", help_text="Where the request token is exchanged for an access token."
    )
    revoke_url = ServiceURLField(
        label="Revoke Token URL", required=False, help_text="Optional: called when a connection is disconnected."
    )
    signature_method = forms.ChoiceField(
        label="Signature Method", choices=SIGNATURE_METHODS, initial="HMAC-SHA1",
        help_text="HMAC-SHA1 unless the service says otherwise. PLAINTEXT needs https on every URL.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("signature_method") == "PLAINTEXT":
            insecure = [name for name in URL_FIELDS if cleaned.get(name) and not is_https(cleaned[name])]
            if insecure or any(name in self.errors for name in URL_FIELDS):
                self.add_error(
                    "signature_method",
                    "PLAINTEXT sends the secrets as they are: it is allowed only when every URL is https.",
                )
        return cleaned


class OAuth1(AuthType):
    key = "oauth1"
    name = "OAuth1"
    description = (
        "OAuth 1.0a (RFC 5849): the end user grants access on the service's own pages; every "
        "request is signed with the consumer secret and the user's token."
    )
    config_form = OAuth1ConfigForm
    uses_scopes = True
    uses_callback = True
