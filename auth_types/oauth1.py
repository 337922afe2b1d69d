"""OAuth 1.0a (RFC 5849): the three-legged authorization and the signing of every request.

Every call to the provider goes through connectors_site.outbound.send, without following
redirects on the token and revoke endpoints: a signed request must not be replayed elsewhere.
"""

import dataclasses
import hmac
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests_oauthlib
from django import forms
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER

from . import oauth_tokens
from .base import REDIRECT, AuthError, AuthorizationDenied, AuthType, ConfigForm, GrantInvalid, ProviderUnavailable
from .logs import drop_debug_records
from .validators import ServiceURLField, is_https

SIGNATURE_METHODS = [("HMAC-SHA1", "HMAC-SHA1"), ("HMAC-SHA256", "HMAC-SHA256"), ("PLAINTEXT", "PLAINTEXT")]
URL_FIELDS = ("request_token_url", "authorization_url", "token_url", "revoke_url")
TOKEN_FIELDS = ("oauth_token", "oauth_token_secret")
# A token is sent back in headers and URLs: printable ASCII, and not absurdly long.
_TOKEN_VALUE = re.compile(r"[\x21-\x7e]{1,2000}")
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# Their DEBUG records show the token, the parameters and the signature base string of every request.
drop_debug_records("requests_oauthlib.oauth1_auth", "oauthlib.oauth1.rfc5849", "oauthlib.oauth1.rfc5849.signature")


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
    grant_kinds = (REDIRECT,)
    admin_completes = ("consumer_key",)
    uses_scopes = True
    uses_callback = True

    def grant_kind(self, config):
        return REDIRECT

    def begin(self, config, client, *, redirect_uri, scopes):
        """Fetch a request token (registering redirect_uri) and return (authorization URL, flow)."""
        fields = _token_call(REQUEST_TOKEN, config["request_token_url"],
                             _signer(config, client, callback_uri=redirect_uri))
        # RFC 5849 says "true"; Authlib (and others) send "True".
        if fields.get("oauth_callback_confirmed", "").lower() != "true":
            raise ProviderUnavailable(
                "The provider did not confirm the callback URL (oauth_callback_confirmed=true): it does not "
                "speak OAuth 1.0a, which the connector needs."
            )
        scopes = [scope for scope in scopes or () if scope]
        url = authorization_url(config["authorization_url"], fields["oauth_token"], _joined(config, scopes))
        flow = {"state": fields["oauth_token"], "oauth_token_secret": fields["oauth_token_secret"],
                "redirect_uri": redirect_uri, "scopes": scopes}
        return url, flow

    def callback_state(self, params):
        # A denial (Twitter's style) carries the request token as denied=, without oauth_token.
        return params.get("oauth_token") or params.get("denied")

    def callback_denial(self, params):
        # Some providers (Authlib) deny with error=access_denied and no token at all.
        return _denial(params)

    def complete(self, config, client, *, flow, params, redirect_uri):
        """Exchange the request token and the callback's verifier for the access token."""
        _check_callback(flow, params)
        signer = _signer(config, client, resource_owner_key=flow["state"],
                         resource_owner_secret=flow["oauth_token_secret"], verifier=params["oauth_verifier"])
        fields = _token_call(ACCESS_TOKEN, config["token_url"], signer)
        return {"oauth_token": fields["oauth_token"], "oauth_token_secret": fields["oauth_token_secret"],
                "scope": _joined(config, flow.get("scopes") or [])}

    def auth(self, config, credentials, client=None):
        return _signer(config, client, resource_owner_key=credentials["oauth_token"],
                       resource_owner_secret=credentials["oauth_token_secret"])

    def revoke(self, config, client, credentials):
        """Ask the provider to forget the access token (a signed POST); do nothing without a Revoke URL."""
        if not config.get("revoke_url"):
            return False
        _signed_post(REVOKE, config["revoke_url"], self.auth(config, credentials, client))
        return True

    def token_identity(self, credentials):
        return credentials.get("oauth_token")

    def granted_scopes(self, credentials):
        # An OAuth1 provider grants what was asked; it has no way to say otherwise.
        return credentials.get("scope", "")

    def secret_values(self, config, credentials, client=None):
        values = [credentials.get("oauth_token_secret"), credentials.get("oauth_token")]
        values.append((client or {}).get("consumer_secret"))
        return [value for value in values if value]


class OAuth1Signer(requests_oauthlib.OAuth1):
    """Sign each request (RFC 5849 section 3): form bodies and the query string are in the signature."""

    def __call__(self, request):
        try:
            return super().__call__(request)
        except ValueError:
            # oauthlib's reasons (a body on a GET, a form body that is not form-encoded) quote no secret,
            # but they read as a crash; say what to change instead.
            raise AuthError(
                "This request cannot be signed with OAuth1: a GET or HEAD carries no body, and a body sent "
                "as application/x-www-form-urlencoded must be form-encoded."
            ) from None

    def __repr__(self):
        return "<OAuth1Signer ••••>"


def _signer(config, client, **token):
    """Return the signer for the connector's consumer, with the token (and callback or verifier) given."""
    consumer_secret = (client or {}).get("consumer_secret")
    if not consumer_secret:
        raise AuthError("The connector has no consumer secret: enter it again in its Security section.")
    method = config.get("signature_method") or SIGNATURE_HMAC_SHA1
    if method not in dict(SIGNATURE_METHODS):
        raise AuthError("The connector's signature method is not one this application supports; choose one "
                        "in its Security section.")
    return OAuth1Signer(config["consumer_key"], client_secret=consumer_secret, signature_method=method,
                        signature_type=SIGNATURE_TYPE_AUTH_HEADER, **token)


def authorization_url(base, oauth_token, scope=""):
    """Return base with oauth_token (and scope, when given) added to the query it already has."""
    parts = urlsplit(base)
    replaced = {"oauth_token", "scope"} if scope else {"oauth_token"}
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name not in replaced]
    query.append(("oauth_token", oauth_token))
    if scope:
        query.append(("scope", scope))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _joined(config, scopes):
    return (config.get("scope_delimiter") or ",").join(scopes)


def _check_callback(flow, params):
    """Refuse a callback that reports a denial, belongs to another authorization or lacks the verifier."""
    denial = _denial(params)
    if denial:
        raise AuthorizationDenied(denial)
    token = params.get("oauth_token")
    if token is not None and not hmac.compare_digest(str(token), str(flow["state"])):
        raise AuthorizationDenied("The callback does not belong to this authorization; start again.")
    if not params.get("oauth_verifier"):
        raise AuthorizationDenied("The provider sent no verifier back; start the authorization again.")


def _denial(params):
    """Return the message for a callback reporting a denial (denied= or error=), else None."""
    error = params.get("error")
    if params.get("denied") is None and error is None:
        return None
    # Show the provider's error code only when it is a plain word: the rest of the query is its text.
    code = f" ({error})" if error and _ERROR_CODE.fullmatch(error) else ""
    return f"The authorization was denied at the provider{code}."


# --- the token endpoints -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Endpoint:
    """One of the provider's endpoints, and what its refusals (400, 401, 403) mean."""

    label: str
    refused: type
    refused_message: str
    unauthorized_message: str = ""  # for a 401, when it says more than a refusal does


REQUEST_TOKEN = _Endpoint(
    "request token endpoint", GrantInvalid,
    "The provider refused to issue a request token; check the consumer key and secret, the signature method, "
    "and that the callback URL is registered with the provider.",
    unauthorized_message="The provider refused the consumer key or secret; check them in the connector's "
                         "Security section.",
)
ACCESS_TOKEN = _Endpoint("access token endpoint", AuthorizationDenied,
                         "The authorization expired or was refused; try again.")
REVOKE = _Endpoint("revoke endpoint", GrantInvalid,
                   "The provider no longer accepts this connection's token; it may already be revoked.")


def _signed_post(endpoint, url, signer):
    """POST to url signed by signer and return the 2xx response; raise the error its answer means.

    Sent and capped as every token-type request is (oauth_tokens.post_form); the statuses mean
    what they mean for this endpoint.
    """
    response = oauth_tokens.post_form(url, auth=signer, endpoint=endpoint.label)
    status = response.status_code
    if 200 <= status < 300:
        return response
    if status in (400, 401, 403):
        message = (status == 401 and endpoint.unauthorized_message) or endpoint.refused_message
        raise endpoint.refused(f"{message} (HTTP {status})")
    raise ProviderUnavailable(f"The {endpoint.label} answered HTTP {status}; try again later.")


def _token_call(endpoint, url, signer):
    """POST to a token endpoint and return its form-encoded oauth_token and oauth_token_secret (and the rest)."""
    fields = oauth_tokens.decode_form(_signed_post(endpoint, url, signer))
    if fields is None or not all(_TOKEN_VALUE.fullmatch(fields.get(name, "")) for name in TOKEN_FIELDS):
        # Never quote the body: a half-broken answer may still hold a token.
        raise ProviderUnavailable(f"The {endpoint.label} did not answer with a form-encoded oauth_token and "
                                  "oauth_token_secret.")
    return fields
