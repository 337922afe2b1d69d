"""OAuth 2.0 grants as module functions (RFC 6749): authorization code with state and PKCE (RFC 7636)
and the issuer check (RFC 9207), client credentials, refresh, revocation (RFC 7009).

`token_request` is the one way to call a token endpoint with the client authenticated
(oauth2_client_auth) and the answer read (oauth_tokens): another OAuth-family type (a JWT
bearer grant, say) calls it with its own grant's fields, without subclassing OAuth2. Every
call goes through connectors_site.outbound, redirects not followed.

`config` is the connector's OAuth2 config (client_id, client_auth, the URLs, expiry_seconds,
pkce, issuer, scope_delimiter), `client` its secrets.
"""

import base64
import hashlib
import hmac
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from . import oauth2_params, oauth_tokens
from .base import AuthorizationDenied, GrantInvalid
from .oauth2_client_auth import strategy_for
from .oauth2_token_map import TokenMap

AUTHORIZATION_CODE = "authorization_code"
CLIENT_CREDENTIALS = "client_credentials"
REFRESH_TOKEN = "refresh_token"


# --- the token endpoint ---------------------------------------------------------------------

def token_request(config, client, url, data, *, requested_scope, timeout=None,
                  hidden=()):
    """POST a grant's `data` to the token endpoint at `url`, the client authenticated; return credentials.

    `hidden` are further values sent (an assertion, a code) that no message may show. The
    connector's token parameters are added (the grant's own fields win), and the body is a form or
    JSON as the connector says.
    """
    data = {**dict(oauth2_params.token_params(config)), **data}
    strategy = strategy_for(config)
    kwargs = strategy.send_kwargs(config, client, data, endpoint=url)
    response = oauth_tokens.post_form(url, data=data, timeout=timeout, as_json=oauth2_params.json_body(config),
                                      **kwargs)
    return oauth_tokens.token_credentials(
        response, url=url, requested_scope=requested_scope, expiry_seconds=config.get("expiry_seconds") or 3600,
        hidden=[*strategy.secret_values(config, client), *_sent_values(data), *hidden],
        token_map=TokenMap.from_config(config), keep=config.get("token_fields") or (),
    )


def _sent_values(data):
    return [data.get(name, "") for name in ("code", "code_verifier", "token", REFRESH_TOKEN, "client_secret")]


# --- authorization code ---------------------------------------------------------------------

def authorization_request(config, *, redirect_uri, scopes):
    """Return the provider's authorization URL and the flow to keep until the callback."""
    flow = {"state": secrets.token_urlsafe(32), "redirect_uri": redirect_uri, "scopes": list(scopes)}
    # The connector's own parameters first: the protocol's fields, set below, win over any of the same name.
    params = dict(oauth2_params.authorization_params(config))
    params.update(response_type="code", client_id=config["client_id"], redirect_uri=redirect_uri)
    scope = join_scopes(config, scopes)
    if scope:
        params["scope"] = scope
    params["state"] = flow["state"]
    if config.get("pkce", True) is not False:
        flow["code_verifier"] = pkce_verifier()
        params.update(code_challenge=pkce_challenge(flow["code_verifier"]), code_challenge_method="S256")
    return with_query(config["authorization_url"], params), flow


def authorization_response(config, client, *, flow, params, redirect_uri, timeout=None):
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
    data = {"grant_type": AUTHORIZATION_CODE, "code": code, "redirect_uri": flow.get("redirect_uri") or redirect_uri}
    if flow.get("code_verifier"):
        data["code_verifier"] = flow["code_verifier"]
    return token_request(config, client, config["token_url"], data,
                         requested_scope=join_scopes(config, flow.get("scopes", ())), timeout=timeout)


def issuer_matches(config, iss):
    """Return whether the callback's `iss` names the expected authorization server (RFC 9207).

    A callback without iss passes unless the connector says the server always sends one.
    """
    if iss is None:
        return not config.get("require_iss")
    issuer = (config.get("issuer") or "").rstrip("/")
    if issuer:
        return iss.rstrip("/") == issuer
    authorization = urlsplit(config.get("authorization_url") or "")
    given = urlsplit(iss)
    return (given.scheme, given.netloc) == (authorization.scheme, authorization.netloc)


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


def pkce_verifier():
    """Return a code verifier: 86 characters of the unreserved set (RFC 7636 4.1 allows 43-128)."""
    return secrets.token_urlsafe(64)


def pkce_challenge(verifier):
    """Return the S256 code challenge: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- client credentials, refresh, revocation ------------------------------------------------

def client_credentials(config, client, scope, *, timeout=None):
    """Obtain a token with the client credentials grant for `scope` (joined already)."""
    data = {"grant_type": CLIENT_CREDENTIALS}
    if scope:
        data["scope"] = scope
    return token_request(config, client, config["token_url"], data, requested_scope=scope, timeout=timeout)


def refresh(config, client, credentials, *, timeout=None):
    """Return fresh credentials; a refresh token the provider did not replace is kept.

    Without a refresh token, a client credentials connector gets a new token the way it got
    the first one; any other must be authorized again.
    """
    refresh_token = credentials.get(REFRESH_TOKEN)
    requested = credentials.get("requested_scope", "")
    if not refresh_token:
        if config.get("grant_type") == CLIENT_CREDENTIALS:
            return client_credentials(config, client, requested, timeout=timeout)
        raise GrantInvalid("This connection has no refresh token: authorize it again.")
    data = {"grant_type": REFRESH_TOKEN, REFRESH_TOKEN: refresh_token}
    # What was granted stays granted when the answer names no scope (RFC 6749 section 6).
    fresh = token_request(config, client, config.get("refresh_url") or config["token_url"], data,
                          requested_scope=credentials.get("scope", requested), timeout=timeout)
    fresh["requested_scope"] = requested
    fresh.setdefault(REFRESH_TOKEN, refresh_token)
    return fresh


def revoke(config, client, credentials, *, timeout=None):
    """Revoke the grant at the provider (RFC 7009); return False when the connector has no Revoke URL.

    The refresh token is revoked when there is one: providers then drop its access tokens too.
    """
    url = config.get("revoke_url")
    hint = REFRESH_TOKEN if credentials.get(REFRESH_TOKEN) else "access_token"
    if not url or not credentials.get(hint):
        return False
    data = {"token": credentials[hint], "token_type_hint": hint}
    strategy = strategy_for(config)
    kwargs = strategy.send_kwargs(config, client, data, endpoint=url)
    response = oauth_tokens.post_form(url, data=data, timeout=timeout, endpoint="revocation endpoint",
                                      as_json=oauth2_params.json_body(config), **kwargs)
    oauth_tokens.raise_for_error(response, url=url, endpoint="revocation endpoint",
                                 hidden=[*strategy.secret_values(config, client), *_sent_values(data)])
    return True


# --- small helpers --------------------------------------------------------------------------

def join_scopes(config, scopes):
    """Join scope values with the connector's delimiter (RFC 6749's space when none is given)."""
    return (config.get("scope_delimiter") or " ").join(scopes)


def with_query(url, params):
    """Return url with params added to its query; an existing parameter of the same name is replaced."""
    parts = urlsplit(url)
    kept = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name not in params]
    return urlunsplit(parts._replace(query=urlencode(kept + list(params.items()))))
