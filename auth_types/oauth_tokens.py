"""Token endpoints as real providers answer them: the one place for their quirks.

`post_form` sends a request to a token-type endpoint (token, refresh, revoke; OAuth1's
request-token, access-token and revoke endpoints too), its answer capped at
TOKEN_RESPONSE_MAX_BYTES, and `decode_body` reads a JSON or form-encoded answer; both serve
OAuth1 and OAuth2. `token_credentials` turns an OAuth2
token response into the credentials a connection stores, or raises:

- GrantInvalid: the endpoint refused the grant or the client (400/401, or any answer that
  carries an OAuth `error` code, as GitHub's 200 does). Reauthorizing (or fixing the
  connector's client secret) is the way out.
- ProviderUnavailable: 5xx, 429, the error codes server_error and temporarily_unavailable
  (an outage, whatever the status), a timeout or broken connection, a redirect (never
  followed: a 307 would resend the client secret elsewhere), another 4xx without an OAuth
  error code, a body that holds no token, or a token that cannot be sent as a bearer token
  (token_type mac, DPoP, PoP, N_A: they need a proof or are no access token, and a new
  authorization would bring the same kind). The stored connection is left as it is.

Messages name the endpoint by its origin only, and never carry a token, a code, a secret
or the PKCE verifier: the caller passes the values it sent, and they are blanked even
where a provider echoes them in an error description.
"""

import datetime
import json
import time
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings

from connectors_site import outbound

from .base import AuthError, GrantInvalid, ProviderUnavailable
from .bearer import BearerAuth
from .oauth2_token_map import TokenMap, value_at

DEFAULT_TIMEOUT = (5, 30)
# A token endpoint answers a few hundred bytes (a few KB with an ID token): more is not a token answer.
TOKEN_RESPONSE_MAX_BYTES = 64 * 1024
MAX_DESCRIPTION = 200
# Token types that bind the token to a key or are no access token: sending them as
# "Authorization: Bearer ..." would fail on every call.
UNUSABLE_TOKEN_TYPES = {"mac", "dpop", "pop", "n_a"}
# Error codes (RFC 6749 4.1.2.1) some token endpoints send with a 4xx for a passing outage.
TRANSIENT_ERRORS = {"server_error", "temporarily_unavailable"}
# An expires_in beyond this is treated as a typo; ten years also keeps datetimes in range.
MAX_EXPIRES_IN = 10 * 366 * 24 * 3600
HIDDEN = "••••"


def timeout(override=None):
    """Return the (connect, read) timeout of token requests: override, or CONNECTORS_TOKEN_TIMEOUT."""
    return override or getattr(settings, "CONNECTORS_TOKEN_TIMEOUT", None) or DEFAULT_TIMEOUT


def post_form(url, *, data=None, auth=None, headers=None, timeout=None, endpoint="token endpoint", as_json=False,
              tls=None):
    """POST a form (`as_json`: a JSON object) to a token-type endpoint and return the response, redirects not
    followed.

    Raise ProviderUnavailable when no answer came (timeout, refused, blocked, larger than
    TOKEN_RESPONSE_MAX_BYTES) or the answer is a redirect. `timeout` defaults to the token
    timeout setting.
    """
    headers = {"Accept": "application/json", **(headers or {})}
    extra = {"tls": tls} if tls is not None else {}  # the connector's client certificate and CAs (mutual TLS)
    try:
        body = {"json": dict(data or {})} if as_json else {"data": data}
        response = outbound.send("POST", url, auth=auth, headers=headers, timeout=_timeout(timeout),
                                 allow_redirects=False, max_bytes=TOKEN_RESPONSE_MAX_BYTES, **body, **extra)
    except outbound.OutboundError as error:
        raise ProviderUnavailable(f"The {endpoint} could not be reached: {error} Try again later.") from None
    if 300 <= response.status_code < 400:
        raise ProviderUnavailable(
            f"The {endpoint} at {origin(url)} answered with a redirect (HTTP {response.status_code}), which is "
            "not followed because the request carries the connector's credentials. Check the connector's URL."
        )
    return response


_timeout = timeout  # post_form's keyword hides the function


def decode_body(response):
    """Return the body as a dict, read as JSON or form-encoded; None when it is neither.

    The Content-Type decides which is tried first; the other is tried next, as providers
    label their bodies text/plain, text/html or not at all.
    """
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    readers = (_form, _json) if content_type == "application/x-www-form-urlencoded" else (_json, _form)
    text = response.content.decode("utf-8", errors="replace").strip()
    for reader in readers:
        body = reader(text)
        if body is not None:
            return body
    return None


def decode_form(response):
    """Return the fields of a form-encoded body (OAuth1's answers, RFC 5849 2.1), or None: never JSON."""
    return _form(response.content.decode("utf-8", errors="replace").strip())


def _json(text):
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _form(text):
    if not text or any(char.isspace() or char in "<>{}" for char in text):
        return None  # an HTML page or a JSON body is no form, even when "=" appears in it
    try:
        return dict(parse_qsl(text, strict_parsing=True))
    except ValueError:
        return None


def raise_for_error(response, *, url, hidden=(), endpoint="token endpoint"):
    """Raise the error an error answer means; return the decoded body of any other answer."""
    status = response.status_code
    if status >= 500 or status == 429:
        what = "is limiting requests" if status == 429 else "failed"
        raise ProviderUnavailable(
            f"The {endpoint} at {origin(url)} {what} (HTTP {status}). Try again later.")
    body = decode_body(response)
    code = body.get("error") if body else None
    if isinstance(code, str) and code:
        description = body.get("error_description")
        if code in TRANSIENT_ERRORS:
            raise ProviderUnavailable(f"The {endpoint} at {origin(url)} is unavailable ({safe_text(code, limit=64)})."
                                      " Try again later.")
        raise GrantInvalid(_refusal(endpoint, code, description if isinstance(description, str) else "", hidden))
    if status in (400, 401):
        raise GrantInvalid(f"The {endpoint} at {origin(url)} refused the request (HTTP {status}).")
    if not 200 <= status < 300:
        raise ProviderUnavailable(
            f"The {endpoint} at {origin(url)} answered HTTP {status}. Check the connector's URL, or try again later.")
    return body


def _refusal(endpoint, code, description, hidden):
    code = safe_text(code, hidden, limit=64)
    detail = code + (f": {safe_text(description, hidden, limit=MAX_DESCRIPTION)}" if description else "")
    if code == "invalid_client":
        return (f"The provider refused the connector's client credentials ({detail}). The connector's Client ID, "
                "Client Secret or Client Authentication is wrong: ask its builder to fix it.")
    if code == "invalid_grant":
        return f"The provider no longer accepts this authorization ({detail}). Authorize the connection again."
    return f"The {endpoint} refused the request ({detail})."


def token_credentials(response, *, url, requested_scope, expiry_seconds, hidden=(), now=None, token_map=None,
                      keep=()):
    """Return the credentials an OAuth2 token response holds, quirks of real providers included.

    {"access_token", "refresh_token" (when sent), "token_type", "expires_at" (epoch seconds),
    "scope" (what was granted; the requested scope when the answer names none),
    "requested_scope"}. `hidden` are the values sent (code, refresh token, secret, verifier)
    that no message may show. `token_map` (oauth2_token_map.TokenMap) says where the answer
    holds them when not where RFC 6749 puts them. `keep` are paths of further string fields to
    keep under "token_fields" (a connection variable such as Salesforce's instance_url).
    """
    token_map = token_map or TokenMap()
    body = raise_for_error(response, url=url, hidden=hidden)
    access_token = value_at(body, token_map.access_token) if body else None
    if not isinstance(access_token, str) or not access_token:
        raise ProviderUnavailable(
            f"The token endpoint at {origin(url)} answered without an access token"
            + ("" if token_map.access_token == "access_token" else f" at {token_map.access_token}")
            + ". Try again later.")
    token_type = token_map.beside_access_token(body, "token_type")
    token_type = token_type if isinstance(token_type, str) and token_type else "Bearer"
    if token_type.lower() in UNUSABLE_TOKEN_TYPES:
        raise ProviderUnavailable(
            f"The provider issued a {safe_text(token_type, hidden, limit=20)} token; only bearer tokens can be "
            "used. Check the connector's settings at the provider.")
    now = time.time() if now is None else now
    credentials = {
        "access_token": access_token,
        "token_type": token_type,
        "expires_at": now + token_map.lifetime(body, now=now, default=expiry_seconds, longest=MAX_EXPIRES_IN),
        "scope": _granted_scope(token_map.beside_access_token(body, "scope"), requested_scope),
        "requested_scope": requested_scope,
    }
    kept = {path: value_at(body, path) for path in keep}
    kept = {path: value for path, value in kept.items() if isinstance(value, str) and value}
    if kept:
        credentials["token_fields"] = kept
    refresh_token = value_at(body, token_map.refresh_token)
    if isinstance(refresh_token, str) and refresh_token:
        credentials["refresh_token"] = refresh_token
    return credentials


def _granted_scope(scope, requested_scope):
    if isinstance(scope, list) and all(isinstance(value, str) for value in scope):
        scope = " ".join(scope)
    return scope if isinstance(scope, str) else requested_scope


def safe_text(text, hidden=(), *, limit):
    """Return provider text fit for a message: hidden values blanked, one line, at most limit chars."""
    # Longest first, so a value containing another is blanked whole; short ones would blank words.
    for value in sorted((v for v in hidden if v and len(v) >= 4), key=len, reverse=True):
        text = text.replace(value, HIDDEN)
    text = " ".join("".join(char if char.isprintable() else " " for char in text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def origin(url):
    """Return scheme://host[:port] of url: messages never show a path or query, which may hold keys."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}" if parts.hostname else "the configured URL"


class AccessTokenCredentials:
    """What an OAuth-family type holding an access token (`access_token`, `expires_at`, `scope`) answers:
    mixed into the types before AuthType."""

    def bearer_name(self, config):
        return "Bearer"

    def token_identity(self, credentials):
        return credentials.get("access_token")

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
        return BearerAuth(self.bearer_name(config), credentials["access_token"])
