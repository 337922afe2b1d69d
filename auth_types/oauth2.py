"""OAuth 2.0 (RFC 6749): authorization code with state and PKCE (RFC 7636), client credentials,
refresh, revocation (RFC 7009). Token responses are read in oauth_tokens; HTTP goes through
connectors_site.outbound only.
"""

import base64
import datetime
import hashlib
import hmac
import json
import secrets
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from django import forms
from requests.auth import HTTPBasicAuth

from . import oauth_tokens
from .base import (
    DIRECT, OPENAPI_DISCOVERY, REDIRECT, AuthError, AuthorizationDenied, AuthType, ConfigForm, GrantInvalid,
    OpenAPIChoice, OpenAPISchemeRefused,
)
from .bearer import BearerAuth
from .forms import shown_when
from .validators import ServiceURLField, auth_scheme_validator

AUTHORIZATION_CODE = "authorization_code"
CLIENT_CREDENTIALS = "client_credentials"
GRANT_TYPES = [(AUTHORIZATION_CODE, "Authorization Code"), (CLIENT_CREDENTIALS, "Client Credentials")]
CLIENT_AUTH_METHODS = [
    ("client_secret_basic", "Send client ID and secret in a Basic Authorization header"),
    ("client_secret_post", "Send client ID and secret in the request body"),
]
MAX_EXPIRY_SECONDS = 366 * 24 * 3600

# The OpenAPI flows this type imports, Swagger 2's names for them, and why two flows are refused.
OPENAPI_FLOWS = {"authorizationCode": AUTHORIZATION_CODE, "clientCredentials": CLIENT_CREDENTIALS}
SWAGGER2_FLOWS = {"accessCode": "authorizationCode", "application": "clientCredentials"}
UNSAFE_FLOWS = {
    "implicit": "the implicit flow is not supported: it returns the token in the browser's address bar, "
                "and the OAuth 2.0 Security Best Current Practice deprecates it",
    "password": "the password flow is not supported: it hands the user's password to the application, "
                "and the OAuth 2.0 Security Best Current Practice deprecates it",
}


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
        help_text="Optional: the authorization server's issuer identifier. When set, the callback must carry "
        "it as iss (RFC 9207); when not, an iss the server sends must match the Authorization URL's origin.",
    ), grant_type=AUTHORIZATION_CODE)


def issuer_matches(config, iss):
    """Return whether the callback's `iss` names the expected authorization server (RFC 9207)."""
    issuer = (config.get("issuer") or "").rstrip("/")
    if issuer:
        return (iss or "").rstrip("/") == issuer
    if iss is None:
        return True
    authorization = urlsplit(config.get("authorization_url") or "")
    given = urlsplit(iss)
    return (given.scheme, given.netloc) == (authorization.scheme, authorization.netloc)


class OAuth2(AuthType):
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
    # (connect, read) seconds for token, refresh and revoke calls; a test may shorten it on an instance.
    token_timeout = oauth_tokens.DEFAULT_TIMEOUT

    def grant_kind(self, config):
        return DIRECT if config.get("grant_type") == CLIENT_CREDENTIALS else REDIRECT

    # --- the authorization code flow -----------------------------------------------------

    def begin(self, config, client, *, redirect_uri, scopes):
        """Return the provider's authorization URL and the flow to keep until the callback."""
        flow = {"state": secrets.token_urlsafe(32), "redirect_uri": redirect_uri, "scopes": list(scopes)}
        params = {"response_type": "code", "client_id": config["client_id"], "redirect_uri": redirect_uri}
        scope = join_scopes(config, scopes)
        if scope:
            params["scope"] = scope
        params["state"] = flow["state"]
        if config.get("pkce", True) is not False:
            flow["code_verifier"] = pkce_verifier()
            params.update(code_challenge=pkce_challenge(flow["code_verifier"]), code_challenge_method="S256")
        return with_query(config["authorization_url"], params), flow

    def callback_state(self, params):
        return params.get("state")

    def complete(self, config, client, *, flow, params, redirect_uri):
        """Check the callback's answer and exchange its code for tokens."""
        if not issuer_matches(config, params.get("iss")):
            # RFC 9207: an answer from another authorization server is a mix-up attack.
            raise AuthorizationDenied("The answer did not come from the expected authorization server. "
                                      "Start the authorization again.")
        if params.get("error"):
            raise AuthorizationDenied(denial_message(params))
        # Compared as bytes: compare_digest refuses str with non-ASCII characters.
        if not hmac.compare_digest(str(params.get("state") or "").encode(), flow["state"].encode()):
            raise AuthorizationDenied("The answer does not belong to this authorization. Start it again.")
        code = params.get("code")
        if not code:
            raise AuthorizationDenied("The provider sent no authorization code back. Start the authorization again.")
        data = {"grant_type": AUTHORIZATION_CODE, "code": code,
                "redirect_uri": flow.get("redirect_uri") or redirect_uri}
        if flow.get("code_verifier"):
            data["code_verifier"] = flow["code_verifier"]
        return self._token_request(config, client, config["token_url"], data,
                                   requested_scope=join_scopes(config, flow.get("scopes", ())))

    # --- direct grant, refresh, revoke ---------------------------------------------------

    def fetch_token(self, config, client, *, scopes):
        """Obtain a token with the client credentials grant."""
        return self._client_credentials(config, client, join_scopes(config, scopes))

    def refresh(self, config, client, credentials):
        """Return fresh credentials; a refresh token the provider did not replace is kept."""
        refresh_token = credentials.get("refresh_token")
        requested = credentials.get("requested_scope", "")
        if not refresh_token:
            if config.get("grant_type") == CLIENT_CREDENTIALS:
                return self._client_credentials(config, client, requested)
            raise GrantInvalid("This connection has no refresh token: authorize it again.")
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        # What was granted stays granted when the answer names no scope (RFC 6749 section 6).
        fresh = self._token_request(config, client, config.get("refresh_url") or config["token_url"], data,
                                    requested_scope=credentials.get("scope", requested))
        fresh["requested_scope"] = requested
        fresh.setdefault("refresh_token", refresh_token)
        return fresh

    def can_refresh(self, config, credentials):
        return bool(credentials.get("refresh_token")) or config.get("grant_type") == CLIENT_CREDENTIALS

    def token_identity(self, credentials):
        return credentials.get("access_token")

    def revoke(self, config, client, credentials):
        """Revoke the grant at the provider (RFC 7009); do nothing when the connector has no Revoke URL.

        The refresh token is revoked when there is one: providers then drop its access tokens too.
        """
        url = config.get("revoke_url")
        hint = "refresh_token" if credentials.get("refresh_token") else "access_token"
        if not url or not credentials.get(hint):
            return False
        data = {"token": credentials[hint], "token_type_hint": hint}
        auth = self._client_auth(config, client, data)
        response = oauth_tokens.post_form(url, data=data, auth=auth, timeout=self.token_timeout,
                                          endpoint="revocation endpoint")
        oauth_tokens.raise_for_error(response, url=url, endpoint="revocation endpoint",
                                     hidden=self._hidden(config, client, data))
        return True

    def _client_credentials(self, config, client, scope):
        data = {"grant_type": CLIENT_CREDENTIALS}
        if scope:
            data["scope"] = scope
        return self._token_request(config, client, config["token_url"], data, requested_scope=scope)

    def _token_request(self, config, client, url, data, *, requested_scope):
        auth = self._client_auth(config, client, data)
        response = oauth_tokens.post_form(url, data=data, auth=auth, timeout=self.token_timeout)
        return oauth_tokens.token_credentials(
            response, url=url, requested_scope=requested_scope, expiry_seconds=config.get("expiry_seconds") or 3600,
            hidden=self._hidden(config, client, data),
        )

    @staticmethod
    def _client_auth(config, client, data):
        """Authenticate the client one way only: a Basic header (default) or the body, never both.

        RFC 6749 2.3.1: in the header, the ID and secret are form-urlencoded first.
        """
        client_id, client_secret = config["client_id"], (client or {}).get("client_secret", "")
        if config.get("client_auth") == "client_secret_post":
            data.update(client_id=client_id, client_secret=client_secret)
            return None
        return HTTPBasicAuth(quote_plus(client_id), quote_plus(client_secret))

    def _hidden(self, config, client, data):
        values = self.secret_values(config, data, client)
        return values + [data.get(name, "") for name in ("code", "code_verifier", "token")]

    # --- using the credentials -----------------------------------------------------------

    def expires_at(self, credentials):
        try:
            return datetime.datetime.fromtimestamp(float(credentials["expires_at"]), tz=datetime.timezone.utc)
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            return None

    def granted_scopes(self, credentials):
        return credentials.get("scope") or ""

    def auth(self, config, credentials, client=None):
        if not credentials.get("access_token"):
            raise AuthError("This connection holds no access token: authorize it.")
        return BearerAuth(config.get("bearer_name") or "Bearer", credentials["access_token"])

    def secret_values(self, config, credentials, client=None):
        values = [credentials.get(name) for name in ("access_token", "refresh_token")]
        client_secret = (client or {}).get("client_secret")
        if client_secret:
            pair = f"{quote_plus(config.get('client_id', ''))}:{quote_plus(client_secret)}"
            values += [client_secret, base64.b64encode(pair.encode()).decode()]
        return [value for value in values if value]

    # --- importing an OpenAPI oauth2 security scheme ------------------------------------------

    def openapi_choices(self, name, scheme, context):
        """Return a choice per flow of an OpenAPI oauth2 scheme; the implicit and password flows refused."""
        if scheme.get("type") != "oauth2":
            return []
        if "flows" in scheme:
            flows = scheme["flows"] if isinstance(scheme["flows"], dict) else {}
        else:  # Swagger 2: one flow, its fields on the scheme itself
            flow = str(scheme.get("flow", ""))
            flows = {SWAGGER2_FLOWS.get(flow, flow): scheme}
        if not flows:
            raise OpenAPISchemeRefused("it declares no OAuth2 flow")
        choices = []
        for flow_name, flow in flows.items():
            choice = OpenAPIChoice(name if len(flows) == 1 else f"{name} ({flow_name})", f"oauth2 {flow_name}")
            try:
                self._openapi_flow(choice, str(flow_name), flow if isinstance(flow, dict) else {},
                                   scheme.get(OPENAPI_DISCOVERY) or {}, context)
            except OpenAPISchemeRefused as error:
                choice.reason = str(error)
            choices.append(choice)
        return choices

    def _openapi_flow(self, choice, flow_name, flow, discovered, context):
        """Fill choice from an OpenAPI flow object and what an OpenID Connect discovery added."""
        if flow_name in UNSAFE_FLOWS:
            raise OpenAPISchemeRefused(UNSAFE_FLOWS[flow_name])
        if flow_name not in OPENAPI_FLOWS:
            raise OpenAPISchemeRefused(f"the OAuth2 flow “{flow_name[:30]}” is not one this importer knows")
        code, refresh = OPENAPI_FLOWS[flow_name] == AUTHORIZATION_CODE, flow.get("refreshUrl")
        config = {
            "grant_type": OPENAPI_FLOWS[flow_name], "client_id": "",
            "client_auth": discovered.get("clientAuth", "client_secret_basic"),
            "authorization_url": context.resolve_url(flow.get("authorizationUrl"), "authorization URL") if code else "",
            "token_url": context.resolve_url(flow.get("tokenUrl"), "token URL"),
            "revoke_url": discovered.get("revocationUrl", ""),
            "refresh_url": context.resolve_url(refresh, "refresh URL") if refresh else "",
            "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": discovered.get("pkce", code),
            "issuer": discovered.get("issuer", ""),
        }
        scopes = []
        for value, description in (flow["scopes"] if isinstance(flow.get("scopes"), dict) else {}).items():
            # YAML keys may be true, null or numbers: the value is the key as JSON writes it.
            value = json.dumps(value) if value is None or isinstance(value, bool) else str(value)
            if value and len(value) <= 255 and value.isprintable() and not any(ch.isspace() for ch in value):
                scopes.append({"name": context.clean_scope_name(description) or value[:100], "value": value})
        scopes = scopes[:context.max_scopes]
        label = dict(GRANT_TYPES)[config["grant_type"]] + (f" ({discovered['by']})" if "by" in discovered else "")
        choice.summary = (f"OAuth2 {label}: {len(scopes)} scope{'' if len(scopes) == 1 else 's'}, "
                          f"token URL {config['token_url']}")
        choice.auth_type, choice.config, choice.scopes = self.key, config, scopes


def join_scopes(config, scopes):
    """Join scope values with the connector's delimiter (RFC 6749's space when none is given)."""
    return (config.get("scope_delimiter") or " ").join(scopes)


def pkce_verifier():
    """Return a code verifier: 86 characters of the unreserved set (RFC 7636 4.1 allows 43-128)."""
    return secrets.token_urlsafe(64)


def pkce_challenge(verifier):
    """Return the S256 code challenge: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def with_query(url, params):
    """Return url with params added to its query; an existing parameter of the same name is replaced."""
    parts = urlsplit(url)
    kept = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name not in params]
    return urlunsplit(parts._replace(query=urlencode(kept + list(params.items()))))


def denial_message(params):
    """Return the message for an error answer at the callback: the provider's words, cut short."""
    error = params.get("error", "")
    description = params.get("error_description") or ""
    if error == "access_denied":
        text = "You (or the provider) declined the authorization"
    else:
        text = "The provider did not grant the authorization"
    detail = f"{error}: {description}" if description else error
    return oauth_tokens.safe_text(f"{text} ({detail}).", limit=300)
