from django import forms

from .base import AuthType, ConfigForm
from .validators import ServiceURLField, auth_scheme_validator

AUTHORIZATION_CODE = "authorization_code"
CLIENT_CREDENTIALS = "client_credentials"
GRANT_TYPES = [(AUTHORIZATION_CODE, "Authorization Code"), (CLIENT_CREDENTIALS, "Client Credentials")]
CLIENT_AUTH_METHODS = [
    ("client_secret_basic", "Send client ID and secret in a Basic Authorization header"),
    ("client_secret_post", "Send client ID and secret in the request body"),
]
MAX_EXPIRY_SECONDS = 366 * 24 * 3600


class OAuth2ConfigForm(ConfigForm):
    secret_fields = ("client_secret",)

    grant_type = forms.ChoiceField(
        label="Grant Type", choices=GRANT_TYPES, initial=AUTHORIZATION_CODE,
        help_text="Authorization Code: each end user grants access on the service's pages. "
        "Client Credentials: the application acts as itself, no end user.",
    )
    client_id = forms.CharField(label="Client ID", max_length=500, help_text="Your application's client ID.")
    client_secret = forms.CharField(
        label="Client Secret", max_length=1000, help_text="Your client secret to authorize your application. "
        "Stored encrypted.",
    )
    client_auth = forms.ChoiceField(
        label="Client Authentication", choices=CLIENT_AUTH_METHODS, initial="client_secret_basic",
        help_text="How the client ID and secret are sent to the token endpoint.",
    )
    authorization_url = ServiceURLField(
        label="Authorization URL", required=False,
        help_text="Where the end user is sent to grant access (Authorization Code only).",
    )
    token_url = ServiceURLField(label="Token URL", help_text="Where access tokens are fetched.")
    revoke_url = ServiceURLField(
        label="Revoke Token URL", required=False, help_text="Optional: called when a connection is disconnected."
    )
    refresh_url = ServiceURLField(
        label="Refresh Token URL", required=False, help_text="Optional: defaults to the Token URL."
    )
    bearer_name = forms.CharField(
        label="Bearer Name", max_length=50, initial="Bearer", validators=[auth_scheme_validator],
        help_text="Prefix of the token in the Authorization header.",
    )
    expiry_seconds = forms.IntegerField(
        label="Expiry Time", min_value=1, max_value=MAX_EXPIRY_SECONDS, initial=3600,
        help_text="Seconds an access token lives when the service does not say (default 3600).",
    )
    pkce = forms.BooleanField(
        label="Use PKCE (S256)", required=False, initial=True,
        help_text="Recommended; turn off only for a service that rejects the code_challenge parameter.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("grant_type") == AUTHORIZATION_CODE:
            if not cleaned.get("authorization_url") and "authorization_url" not in self.errors:
                self.add_error("authorization_url", "The Authorization Code grant needs an Authorization URL.")
        elif cleaned.get("grant_type") == CLIENT_CREDENTIALS:
            # The field is hidden for this grant: what it holds is neither used nor fixable.
            self.errors.pop("authorization_url", None)
            cleaned["authorization_url"] = ""
            cleaned["pkce"] = False
        return cleaned


class OAuth2(AuthType):
    key = "oauth2"
    name = "OAuth2"
    description = (
        "OAuth 2.0: with Authorization Code the end user grants access on the service's pages "
        "(with state and PKCE); with Client Credentials the application gets its own token."
    )
    config_form = OAuth2ConfigForm
    config_template = "auth_types/oauth2_config.html"
    uses_scopes = True
    uses_callback = True
