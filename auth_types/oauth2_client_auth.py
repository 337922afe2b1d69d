"""How an OAuth 2.0 client authenticates at the token endpoint: a table of strategies (RFC 6749 2.3).

Each strategy authenticates the client one way only, never two, and names the values it sends
so that messages blank them. A new method is one class here and one entry in STRATEGIES: the
config form offers its label and the fields it names (ClientAuthFields, shown only while it is
chosen), the token, refresh and revoke requests use it, and the OpenID Connect mapping picks it
when a provider lists it.

Besides the client secret in a Basic header or in the body: JWT client assertions (RFC 7523
section 2.2, OpenID Connect Core 9), signed with the client secret (client_secret_jwt, HS256)
or with the application's private key (private_key_jwt, RS256 or ES256).
"""

import base64
from urllib.parse import quote_plus

from django import forms
from requests.auth import HTTPBasicAuth

from . import jwt_assertions
from .forms import shown_when

# RFC 7523 section 2.2: the value of client_assertion_type for a JWT client assertion.
JWT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class ClientSecretBasic:
    """The client ID and secret in an Authorization: Basic header (the default of RFC 6749)."""

    key = "client_secret_basic"
    label = "Send client ID and secret in a Basic Authorization header"
    uses_client_secret = True

    def send_kwargs(self, config, client, data, *, endpoint):
        """Return the keyword arguments of outbound.send that authenticate the client (data may be added to)."""
        # RFC 6749 2.3.1: in the header, the ID and secret are form-urlencoded first.
        client_id, secret = _id_and_secret(config, client)
        return {"auth": HTTPBasicAuth(quote_plus(client_id), quote_plus(secret))}

    def secret_values(self, config, client):
        """Return what this strategy sends that must never be shown (every encoded form of it)."""
        client_id, secret = _id_and_secret(config, client)
        if not secret:
            return []
        return [secret, base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode()]


class ClientSecretPost:
    """The client ID and secret as form fields of the request body."""

    key = "client_secret_post"
    label = "Send client ID and secret in the request body"
    uses_client_secret = True

    def send_kwargs(self, config, client, data, *, endpoint):
        client_id, secret = _id_and_secret(config, client)
        data.update(client_id=client_id, client_secret=secret)
        return {}

    def secret_values(self, config, client):
        _, secret = _id_and_secret(config, client)
        return [secret] if secret else []


class ClientSecretJWT:
    """A JWT assertion signed with the client secret (HS256): the secret itself is never sent."""

    key = "client_secret_jwt"
    label = "Sign a client assertion with the client secret (client_secret_jwt, HS256)"
    uses_client_secret = True
    fields = ("assertion_audience",)

    def send_kwargs(self, config, client, data, *, endpoint):
        client_id, secret = _id_and_secret(config, client)
        data.update(client_assertion_type=JWT_ASSERTION_TYPE, client_assertion=jwt_assertions.assertion(
            issuer=client_id, subject=client_id, audience=assertion_audience(config, endpoint), secret=secret))
        return {}

    def secret_values(self, config, client):
        _, secret = _id_and_secret(config, client)
        return [secret] if secret else []


class PrivateKeyJWT:
    """A JWT assertion signed with the application's private key (RS256 or ES256, by the key's kind).

    The provider holds the public key (registered, or from the application's JWKS URL).
    """

    key = "private_key_jwt"
    label = "Sign a client assertion with a private key (private_key_jwt, RS256 or ES256)"
    uses_client_secret = False
    fields = ("client_private_key", "client_key_id", "assertion_audience")

    def send_kwargs(self, config, client, data, *, endpoint):
        client_id = config.get("client_id", "")
        key = jwt_assertions.load_private_key((client or {}).get("client_private_key", ""))
        data.update(client_assertion_type=JWT_ASSERTION_TYPE, client_assertion=jwt_assertions.assertion(
            issuer=client_id, subject=client_id, audience=assertion_audience(config, endpoint), key=key,
            kid=config.get("client_key_id") or None))
        return {}

    def secret_values(self, config, client):
        pem = (client or {}).get("client_private_key", "")
        return [pem] if pem else []


class TLSClientAuth:
    """Mutual TLS client authentication (RFC 8705 2.1.2, tls_client_auth): the client ID in the body, the
    connector's client certificate in the TLS handshake (auth_types.mtls presents it on every token request)."""

    key = "tls_client_auth"
    label = "Present the connector's client certificate (tls_client_auth, mutual TLS)"
    uses_client_secret = False
    fields = ()
    needs_client_certificate = True

    def send_kwargs(self, config, client, data, *, endpoint):
        data["client_id"] = config.get("client_id", "")
        return {}

    def secret_values(self, config, client):
        return []


STRATEGIES = {strategy.key: strategy for strategy in (ClientSecretBasic(), ClientSecretPost(), PrivateKeyJWT(),
                                                      ClientSecretJWT(), TLSClientAuth())}
DEFAULT = ClientSecretBasic.key


def assertion_audience(config, endpoint):
    """Return a client assertion's aud: the connector's Assertion Audience, else the Token URL (RFC 7523 3)."""
    return config.get("assertion_audience") or config.get("token_url") or endpoint


def using(field):
    """Return the keys of the strategies that use the named field (it is shown while one is chosen)."""
    return [key for key, strategy in STRATEGIES.items() if field in getattr(strategy, "fields", ())]


class PrivateKeyField(forms.CharField):
    """A private key in PEM form, stored with its line breaks put back; refused when it cannot sign."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            jwt_assertions.load_private_key(value)
        except jwt_assertions.KeyRefused as refused:
            raise forms.ValidationError(str(refused), code="invalid_private_key") from None
        return jwt_assertions.normalize_pem(value)


class ClientAuthFields(forms.Form):
    """The fields the strategies name, each shown only while a strategy using it is chosen.

    Mixed into OAuth2's config form (which lists `secret_fields` among its own).
    """

    secret_fields = ("client_private_key",)

    client_private_key = shown_when(PrivateKeyField(
        label="Private Key", max_length=jwt_assertions.MAX_PEM_LENGTH, strip=True,
        help_text="The application's private key in PEM form (RSA of 2048 bits or more: RS256; EC P-256: ES256), "
        "without a passphrase; the provider holds its public key. Stored encrypted, never shown again.",
    ), client_auth=using("client_private_key"))
    client_key_id = shown_when(forms.CharField(
        label="Key ID", max_length=200, required=False,
        help_text="Optional: the kid the provider knows the public key by (sent in the assertion's header).",
    ), client_auth=using("client_key_id"))
    assertion_audience = shown_when(forms.CharField(
        label="Assertion Audience", max_length=500, required=False,
        help_text="Optional: the aud the provider expects in client assertions; defaults to the Token URL. "
        "Some providers want their issuer identifier instead.",
    ), client_auth=using("assertion_audience"))

    def clean(self):
        cleaned = super().clean()
        strategy = STRATEGIES.get(cleaned.get("client_auth"))
        if getattr(strategy, "needs_client_certificate", False):
            stored = getattr(self, "stored_secrets", {})
            has_certificate = cleaned.get("tls_client_certificate") or stored.get("tls_client_certificate")
            if not (cleaned.get("tls_enabled") and has_certificate):
                self.add_error("client_auth", "This method presents the connector's client certificate: turn on "
                                              "Mutual TLS below and give the certificate and its key.")
        return cleaned


def choices():
    return [(strategy.key, strategy.label) for strategy in STRATEGIES.values()]


def using_client_secret():
    """Return the keys of the strategies that send the client secret (the form asks for it then)."""
    return [key for key, strategy in STRATEGIES.items() if strategy.uses_client_secret]


def strategy_for(config):
    """Return the connector's strategy; the default for a stored value no strategy has."""
    return STRATEGIES.get(config.get("client_auth")) or STRATEGIES[DEFAULT]


def first_supported(methods):
    """Return the first strategy (in the table's order) of an OpenID provider's supported methods;
    one that needs a client certificate only when chosen by hand (a document cannot carry one)."""
    if not isinstance(methods, list):
        return DEFAULT
    return next((key for key, strategy in STRATEGIES.items()
                 if key in methods and not getattr(strategy, "needs_client_certificate", False)), DEFAULT)


def _id_and_secret(config, client):
    return config.get("client_id", ""), (client or {}).get("client_secret", "")
