"""The OAuth 2.0 JWT bearer grant (RFC 7523 section 2.1) as an auth type: service accounts.

The application signs an assertion with a service account's private key and trades it at the
token endpoint for an access token; no browser, no refresh token: when the token is due, a new
assertion fetches the next one. The key is a Google service-account JSON key file (its
client_email is the issuer, its private_key_id the kid) or a PEM private key (RS256 for RSA,
ES256 for EC P-256). Either the builder uploads one key for every connection (Security), or
each end user uploads their own on Add Connection; an end user's key is kept in the
connection's encrypted credentials, beside its token, so the token can be fetched again.
Never shown back.

Scopes go where the provider reads them: the request's scope parameter (RFC 7523), the
assertion's scope claim (Google), or both.
"""

import json

from django import forms

from . import jwt_assertions, mtls, oauth_tokens
from .base import DIRECT, AuthType, ConfigForm, GrantInvalid
from .credentials import CredentialForm
from .forms import shown_when
from .key_files import KeyFileField
from .validators import ServiceURLField

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
KEY = "service_account_key"
FROM_CONNECTOR, FROM_CONNECTION = "connector", "connection"
SCOPE_PARAMETER, SCOPE_CLAIM, SCOPE_BOTH = "parameter", "claim", "both"
KEY_FILE_HELP = ("The service account's JSON key file (as Google issues it) or its private key in PEM form "
                 "(RSA of 2048 bits or more: RS256; EC P-256: ES256). It signs the token requests and is never sent; "
                 "stored encrypted, never shown again.")


def parse_key_file(text):
    """Return the key file as the JSON text to store ({"private_key", "client_email", "private_key_id", ...}).

    Raise ValidationError saying what is wrong, never quoting the key.
    """
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            raise forms.ValidationError("This is not a JSON key file (it cannot be read as JSON).") from None
        if not isinstance(document, dict):
            raise forms.ValidationError("This is not a service account's JSON key file.")
        if document.get("type") not in (None, "service_account"):
            raise forms.ValidationError(f"This is a {str(document.get('type'))[:40]!r} credentials file, not a service "
                                        "account's key file: create a key for the service account and upload it.")
        fields = {name: document.get(name) for name in ("private_key", "client_email", "private_key_id")}
        if not all(isinstance(value, str) for value in fields.values() if value is not None) or \
                not fields["private_key"]:
            raise forms.ValidationError("This key file holds no private_key: download the service account's key again.")
        stored = {name: value for name, value in fields.items() if value}
    elif "-----BEGIN" in text:
        stored = {"private_key": text}
    else:
        raise forms.ValidationError("Upload the service account's JSON key file, or a private key in PEM form.")
    try:
        jwt_assertions.load_private_key(stored["private_key"])
    except jwt_assertions.KeyRefused as refused:
        raise forms.ValidationError(str(refused), code="invalid_private_key") from None
    stored["private_key"] = jwt_assertions.normalize_pem(stored["private_key"])
    return json.dumps(stored, sort_keys=True)


def key_file_field(**kwargs):
    return KeyFileField(parse=parse_key_file, accept=".json,.pem,application/json", label="Service Account Key File",
                        help_text=KEY_FILE_HELP, **kwargs)


def _stored_key(text):
    try:
        stored = json.loads(text) if text else {}
    except ValueError:
        return {}
    return stored if isinstance(stored, dict) else {}


class JWTBearerConfigForm(ConfigForm):
    secret_fields = (KEY,)

    key_source = forms.ChoiceField(
        label="Key Provided By", initial=FROM_CONNECTOR,
        choices=[(FROM_CONNECTOR, "The builder: one service account for every connection"),
                 (FROM_CONNECTION, "Each end user: they upload their own key file on Add Connection")],
        help_text="Whose service account the connections act as.",
    )
    service_account_key = shown_when(key_file_field(), key_source=FROM_CONNECTOR)
    token_url = ServiceURLField(label="Token URL", initial="https://oauth2.googleapis.com/token",
                                help_text="Where the assertion is traded for an access token (Google's by default).")
    issuer = forms.CharField(
        label="Issuer", max_length=500, required=False,
        help_text="The assertion's iss. Optional: defaults to the key file's client_email (the service account).",
    )
    subject = forms.CharField(
        label="Subject", max_length=500, required=False,
        help_text="The assertion's sub: the user the service account acts for (Google: domain-wide delegation). "
        "Optional: without it the service account acts as itself.",
    )
    audience = forms.CharField(
        label="Audience", max_length=500, required=False,
        help_text="The assertion's aud. Optional: defaults to the Token URL.",
    )
    scope_placement = forms.ChoiceField(
        label="Scopes Sent", initial=SCOPE_BOTH,
        choices=[(SCOPE_BOTH, "In the scope parameter and the assertion's scope claim"),
                 (SCOPE_PARAMETER, "In the token request's scope parameter (RFC 7523)"),
                 (SCOPE_CLAIM, "In the assertion's scope claim (Google)")],
        help_text="Where the provider reads the requested scopes from.",
    )

    def clean(self):
        cleaned = super().clean()
        if "service_account_key" in self.ignored or cleaned.get("issuer"):
            return cleaned
        key = cleaned.get(KEY)  # a stored key was checked when it was stored
        if key and not _stored_key(key).get("client_email"):
            self.add_error("issuer", "This key names no service account (a PEM key): give the Issuer.")
        return cleaned


class KeyFileCredentialForm(CredentialForm):
    """What an end user gives when each connection brings its own service account."""

    secret_fields = (KEY,)

    def add_fields(self, config):
        self.fields[KEY] = key_file_field()

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get(KEY) or self.stored_secrets.get(KEY)
        if key and not self.connector_config.get("issuer") and not _stored_key(key).get("client_email"):
            self.add_error(KEY, "This key names no service account: upload the JSON key file.")
        return cleaned

    def secrets(self):
        return {KEY: self.cleaned_data.get(KEY) or self.stored_secrets.get(KEY, "")}


class JWTBearer(oauth_tokens.AccessTokenCredentials, AuthType):
    key = "jwt_bearer"
    name = "OAuth2 JWT Bearer"
    description = (
        "OAuth 2.0 JWT bearer grant (RFC 7523), for service accounts: the application signs an assertion with "
        "the service account's key and gets access tokens for it, without a browser."
    )
    config_form = JWTBearerConfigForm
    grant_kinds = (DIRECT,)
    uses_scopes = True
    # (connect, read) seconds for token requests; None: CONNECTORS_TOKEN_TIMEOUT.
    token_timeout = None

    def credential_form(self, config):
        """Return the key upload form when each end user brings their own key (asked before the grant)."""
        return KeyFileCredentialForm if config.get("key_source") == FROM_CONNECTION else None

    def fetch_token(self, config, client, *, scopes, values=None):
        own_key = config.get("key_source") == FROM_CONNECTION
        key_text = (values or {}).get(KEY) if own_key else (client or {}).get(KEY)
        scope = (config.get("scope_delimiter") or " ").join(scopes)
        return self._token(config, client, key_text, scope, keep_key=own_key)

    def can_refresh(self, config, credentials):
        return True  # a new assertion fetches the next token

    def refresh(self, config, client, credentials):
        own_key = config.get("key_source") == FROM_CONNECTION
        key_text = credentials.get(KEY) if own_key else (client or {}).get(KEY)
        return self._token(config, client, key_text, credentials.get("requested_scope", ""), keep_key=own_key)

    def _token(self, config, client, key_text, scope, *, keep_key):
        # Without a usable key no token can come: the connection needs a new key (Reauthorize), not a retry.
        if not key_text:
            raise GrantInvalid("No service account key is stored: upload the key file again.")
        key_file = _stored_key(key_text)
        try:
            key = jwt_assertions.load_private_key(key_file["private_key"])
        except (KeyError, jwt_assertions.KeyRefused) as error:
            raise GrantInvalid(f"The stored service account key cannot sign: {error}") from None
        token_url = config["token_url"]
        placement = config.get("scope_placement") or SCOPE_BOTH
        assertion = jwt_assertions.assertion(
            issuer=config.get("issuer") or key_file.get("client_email", ""), subject=config.get("subject") or None,
            audience=config.get("audience") or token_url, key=key, kid=key_file.get("private_key_id"),
            claims={"scope": scope} if scope and placement != SCOPE_PARAMETER else None)
        data = {"grant_type": GRANT_TYPE, "assertion": assertion}
        if scope and placement != SCOPE_CLAIM:
            data["scope"] = scope
        response = oauth_tokens.post_form(token_url, data=data, timeout=self.token_timeout,
                                          **mtls.send_kwargs(config, client))
        credentials = oauth_tokens.token_credentials(response, url=token_url, requested_scope=scope,
                                                     expiry_seconds=3600, hidden=[assertion, key_text])
        credentials.pop("refresh_token", None)  # RFC 7523 2.1: none is issued; a new assertion is the way
        if keep_key:
            credentials[KEY] = key_text
        return credentials

    def secret_values(self, config, credentials, client=None):
        values = [credentials.get("access_token")]
        for text in (credentials.get(KEY), (client or {}).get(KEY)):
            if text:
                values += [text, _stored_key(text).get("private_key")]
        return [value for value in values if value]
