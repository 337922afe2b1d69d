"""Map an openIdConnect security scheme from its provider's discovery document."""

import json

from connectors_site import outbound

from .base import Scheme, _Unusable
from .oauth2 import _count, _oauth2_config, _scopes
from .spec import _resolve

DISCOVERY_TIMEOUT = (5, 10)
DISCOVERY_MAX_BYTES = 512 * 1024


def _openid(key, raw, base):
    url = _resolve(raw.get("openIdConnectUrl"), base, "OpenID Connect discovery URL")
    found = fetch_discovery(url)
    for field in ("authorization_endpoint", "token_endpoint"):
        if not isinstance(found.get(field), str) or not found[field]:
            raise _Unusable(f"its discovery document has no {field}")
    grants = found.get("grant_types_supported")
    if isinstance(grants, list) and "authorization_code" not in grants:
        raise _Unusable("its provider does not offer the authorization code grant")
    methods = found.get("token_endpoint_auth_methods_supported")
    post_only = isinstance(methods, list) and "client_secret_basic" not in methods and "client_secret_post" in methods
    challenges = found.get("code_challenge_methods_supported")
    config = _oauth2_config(
        grant_type="authorization_code",
        authorization_url=found["authorization_endpoint"],
        token_url=found["token_endpoint"],
        revoke_url=found.get("revocation_endpoint") if isinstance(found.get("revocation_endpoint"), str) else "",
        issuer=found.get("issuer") if isinstance(found.get("issuer"), str) else "",
        client_auth="client_secret_post" if post_only else "client_secret_basic",
        pkce=not isinstance(challenges, list) or "S256" in challenges,
    )
    supported = found.get("scopes_supported") if isinstance(found.get("scopes_supported"), list) else []
    scopes = _scopes((value, "") for value in supported if isinstance(value, str))
    return Scheme(key, "openIdConnect", f"OAuth2 Authorization Code (OpenID Connect): {_count(scopes, 'scope')}, "
                  f"token URL {config['token_url']}", True, key=key, auth_type="oauth2", config=config, scopes=scopes)


def fetch_discovery(url):
    """Return the OpenID Connect discovery document at url; raise _Unusable with why not."""
    prefix = "its discovery document could not be fetched"
    try:
        response = outbound.send("GET", url, headers={"Accept": "application/json"}, timeout=DISCOVERY_TIMEOUT,
                                 max_bytes=DISCOVERY_MAX_BYTES)
    except outbound.OutboundError as error:
        raise _Unusable(f"{prefix}: {error}") from None
    if response.status_code != 200:
        raise _Unusable(f"{prefix}: the server answered HTTP {response.status_code}")
    try:
        found = json.loads(response.content)
    except (ValueError, RecursionError):
        raise _Unusable(f"{prefix}: it is not JSON") from None
    if not isinstance(found, dict):
        raise _Unusable(f"{prefix}: it is not a JSON object")
    return found

