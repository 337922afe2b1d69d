"""OAuth 2.0 (RFC 6749) as an auth type: its Security form and the hooks the connections app calls.

The protocol lives in small modules the type (and other OAuth-family types) use:
oauth2_flows (the grants, token_request), oauth2_client_auth (how the client authenticates at
the token endpoint: a table of strategies), oauth2_openapi (OpenAPI and OpenID Connect
discovery), oauth_tokens (token endpoints' answers and quirks).
"""


from django import forms

from . import oauth2_client_auth as client_auth_strategies
from . import oauth2_flows, oauth2_openapi, oauth2_params, oauth2_token_map, oauth_tokens
from .base import DIRECT, REDIRECT, AuthType, ConfigForm
from .forms import shown_when
from .oauth2_flows import AUTHORIZATION_CODE, CLIENT_CREDENTIALS, pkce_challenge  # noqa: F401 (importable here)
from .validators import ServiceURLField, auth_scheme_validator

GRANT_TYPES = [(AUTHORIZATION_CODE, "Authorization Code"), (CLIENT_CREDENTIALS, "Client Credentials")]
MAX_EXPIRY_SECONDS = 366 * 24 * 3600


class OAuth2ConfigForm(ConfigForm, client_auth_strategies.ClientAuthFields):
    secret_fields = ("client_secret", *client_auth_strategies.ClientAuthFields.secret_fields)
    advanced_fields = ("pkce", "issuer", "require_iss", "expiry_seconds", "bearer_name", "authorization_params",
                       "token_params", "token_body", "access_token_field", "refresh_token_field", "expiry_field",
                       "expiry_format")
    # The strategies' own fields follow the Client Authentication choice.
    field_order = ("grant_type", "client_id", "client_secret", "client_auth",
                   *client_auth_strategies.ClientAuthFields.base_fields)

    grant_type = forms.ChoiceField(
        label="Grant Type", choices=GRANT_TYPES, initial=AUTHORIZATION_CODE,
        help_text="Authorization Code: each end user grants access on the service's pages. "
        "Client Credentials: the application acts as itself, no end user.",
    )
    client_id = forms.CharField(label="Client ID", max_length=500, help_text="Your application's client ID.")
    client_secret = shown_when(forms.CharField(
        label="Client Secret", max_length=1000, help_text="Your client secret to authorize your application. "
        "Stored encrypted.",
    ), client_auth=client_auth_strategies.using_client_secret())
    client_auth = forms.ChoiceField(
        label="Client Authentication", choices=client_auth_strategies.choices, initial=client_auth_strategies.DEFAULT,
        help_text="How the application authenticates itself to the token endpoint.",
    )
    authorization_url = shown_when(ServiceURLField(
        label="Authorization URL", help_text="Where the end user is sent to grant access.",
        error_messages={"required": "The Authorization Code grant needs an Authorization URL."},
    ), grant_type=AUTHORIZATION_CODE)
    token_url = ServiceURLField(label="Token URL", help_text="Where access tokens are fetched.")
    revoke_url = shown_when(ServiceURLField(
        label="Revoke Token URL", required=False, help_text="Optional: called when a connection is disconnected."
    ), grant_type=AUTHORIZATION_CODE)
    refresh_url = shown_when(ServiceURLField(
        label="Refresh Token URL", required=False, help_text="Optional: defaults to the Token URL."
    ), grant_type=AUTHORIZATION_CODE)
    bearer_name = forms.CharField(
        label="Bearer Name", max_length=50, initial="Bearer", validators=[auth_scheme_validator],
        help_text="Prefix of the token in the Authorization header.",
    )
    expiry_seconds = forms.IntegerField(
        label="Expiry Time", min_value=1, max_value=MAX_EXPIRY_SECONDS, initial=3600,
        help_text="Seconds an access token lives when the service does not say (default 3600).",
    )
    pkce = shown_when(forms.BooleanField(
        label="Use PKCE (S256)", required=False, initial=True,
        help_text="Recommended; turn off only for a service that rejects the code_challenge parameter.",
    ), grant_type=AUTHORIZATION_CODE)
    issuer = shown_when(ServiceURLField(
        label="Issuer", required=False,
        help_text="Optional: the authorization server's issuer identifier. An iss the callback carries (RFC 9207) "
        "must name it; without an Issuer, iss must match the Authorization URL's origin.",
    ), grant_type=AUTHORIZATION_CODE)
    require_iss = shown_when(forms.BooleanField(
        label="The server always sends iss", required=False, initial=False,
        help_text="Refuse a callback without iss. Turn on only when the server's metadata says "
        "authorization_response_iss_parameter_supported: true (most servers send no iss).",
    ), grant_type=AUTHORIZATION_CODE)
    authorization_params = shown_when(oauth2_params.ParameterRowsField(
        label="Authorization Parameters", set_by_protocol=oauth2_params.AUTHORIZATION_SETS,
        help_text="Optional, one per line as name=value: extra parameters of the authorization request, such as "
        "access_type=offline, prompt=consent or audience=https://api.example.com.",
    ), grant_type=AUTHORIZATION_CODE)
    token_params = oauth2_params.ParameterRowsField(
        label="Token Request Parameters", set_by_protocol=oauth2_params.TOKEN_SETS,
        help_text="Optional, one per line as name=value: extra parameters of every token request (the code "
        "exchange, client credentials and refresh), such as audience=https://api.example.com or resource=....",
    )
    access_token_field = oauth2_token_map.FieldPathField(
        label="Access Token Field", initial="access_token",
        help_text="Where the token response holds the access token: a field, or a path of fields joined by dots "
        "for a nested answer (data.access_token). Its token_type and scope are read beside it.",
    )
    refresh_token_field = oauth2_token_map.FieldPathField(
        label="Refresh Token Field", initial="refresh_token",
        help_text="Where the token response holds the refresh token (data.refresh_token).",
    )
    expiry_field = oauth2_token_map.FieldPathField(
        label="Expiry Field", initial="expires_in",
        help_text="Where the token response says when the access token expires (data.expires_at).",
    )
    expiry_format = oauth2_params.ChoiceWithDefault(
        label="Expiry Format", choices=oauth2_token_map.EXPIRY_FORMATS, initial=oauth2_token_map.SECONDS,
        help_text="Whether the Expiry Field counts seconds from now, or is the time the token expires. Without "
        "an expiry in the answer, the Expiry Time applies.",
    )
    token_body = oauth2_params.ChoiceWithDefault(
        label="Token Request Body", choices=oauth2_params.BODY_FORMATS, initial=oauth2_params.FORM,
        help_text="How token, refresh and revoke requests send their parameters: a form unless the provider "
        "requires JSON.",
    )


class OAuth2(oauth_tokens.AccessTokenCredentials, AuthType):
    key = "oauth2"
    name = "OAuth2"
    description = (
        "OAuth 2.0: with Authorization Code the end user grants access on the service's pages "
        "(with state and PKCE); with Client Credentials the application gets its own token."
    )
    config_form = OAuth2ConfigForm
    grant_kinds = (REDIRECT, DIRECT)
    admin_completes = ("client_id",)
    uses_scopes = True
    uses_callback = True
    # (connect, read) seconds for token, refresh and revoke calls; None: CONNECTORS_TOKEN_TIMEOUT.
    # A test may shorten it on an instance.
    token_timeout = None

    def grant_kind(self, config):
        return DIRECT if config.get("grant_type") == CLIENT_CREDENTIALS else REDIRECT

    def begin(self, config, client, *, redirect_uri, scopes):
        return oauth2_flows.authorization_request(config, redirect_uri=redirect_uri, scopes=scopes)

    def callback_state(self, params):
        return params.get("state")

    def complete(self, config, client, *, flow, params, redirect_uri):
        return oauth2_flows.authorization_response(config, client, flow=flow, params=params,
                                                   redirect_uri=redirect_uri, timeout=self.token_timeout)

    def fetch_token(self, config, client, *, scopes):
        return oauth2_flows.client_credentials(config, client, oauth2_flows.join_scopes(config, scopes),
                                               timeout=self.token_timeout)

    def refresh(self, config, client, credentials):
        return oauth2_flows.refresh(config, client, credentials, timeout=self.token_timeout)

    def can_refresh(self, config, credentials):
        return bool(credentials.get("refresh_token")) or config.get("grant_type") == CLIENT_CREDENTIALS

    def revoke(self, config, client, credentials):
        return oauth2_flows.revoke(config, client, credentials, timeout=self.token_timeout)

    def bearer_name(self, config):
        return config.get("bearer_name") or "Bearer"

    def secret_values(self, config, credentials, client=None):
        values = [credentials.get(name) for name in ("access_token", "refresh_token")]
        values += client_auth_strategies.strategy_for(config).secret_values(config, client)
        return [value for value in values if value]

    def openapi_choices(self, name, scheme, context):
        return oauth2_openapi.openapi_choices(self.key, name, scheme, context)
