"""Read an openIdConnect security scheme's discovery document as the OAuth2 scheme it describes."""

import json

from auth_types.base import OPENAPI_DISCOVERY, OpenAPISchemeRefused
from connectors_site import outbound

from .spec import _resolve

DISCOVERY_TIMEOUT = (5, 10)
DISCOVERY_MAX_BYTES = 512 * 1024


def _openid_scheme(raw, base):
    """Return the OpenAPI oauth2 scheme (one authorizationCode flow) the provider's discovery describes."""
    url = _resolve(raw.get("openIdConnectUrl"), base, "OpenID Connect discovery URL")
    found = fetch_discovery(url)
    for field in ("authorization_endpoint", "token_endpoint"):
        if not isinstance(found.get(field), str) or not found[field]:
            raise OpenAPISchemeRefused(f"its discovery document has no {field}")
    grants = found.get("grant_types_supported")
    if isinstance(grants, list) and "authorization_code" not in grants:
        raise OpenAPISchemeRefused("its provider does not offer the authorization code grant")
    methods = found.get("token_endpoint_auth_methods_supported")
    post_only = isinstance(methods, list) and "client_secret_basic" not in methods and "client_secret_post" in methods
    challenges = found.get("code_challenge_methods_supported")
    supported = found.get("scopes_supported") if isinstance(found.get("scopes_supported"), list) else []
    flow = {"authorizationUrl": found["authorization_endpoint"], "tokenUrl": found["token_endpoint"],
            "scopes": {value: "" for value in supported if isinstance(value, str)}}
    # What an OpenAPI flow object cannot say travels under OPENAPI_DISCOVERY (see auth_types.base).
    discovered = {
        "by": "OpenID Connect",
        "clientAuth": "client_secret_post" if post_only else "client_secret_basic",
        "pkce": not isinstance(challenges, list) or "S256" in challenges,
        "revocationUrl": found.get("revocation_endpoint") if isinstance(found.get("revocation_endpoint"), str) else "",
        "issuer": found.get("issuer") if isinstance(found.get("issuer"), str) else "",
        # RFC 9207: only a server that says it always sends iss may have its callbacks refused without one.
        "issParameter": found.get("authorization_response_iss_parameter_supported") is True,
    }
    return {"type": "oauth2", "flows": {"authorizationCode": flow}, OPENAPI_DISCOVERY: discovered}


def fetch_discovery(url):
    """Return the OpenID Connect discovery document at url; raise OpenAPISchemeRefused with why not."""
    prefix = "its discovery document could not be fetched"
    try:
        response = outbound.send("GET", url, headers={"Accept": "application/json"}, timeout=DISCOVERY_TIMEOUT,
                                 max_bytes=DISCOVERY_MAX_BYTES)
    except outbound.OutboundError as error:
        raise OpenAPISchemeRefused(f"{prefix}: {error}") from None
    if response.status_code != 200:
        raise OpenAPISchemeRefused(f"{prefix}: the server answered HTTP {response.status_code}")
    try:
        found = json.loads(response.content)
    except (ValueError, RecursionError):
        raise OpenAPISchemeRefused(f"{prefix}: it is not JSON") from None
    if not isinstance(found, dict):
        raise OpenAPISchemeRefused(f"{prefix}: it is not a JSON object")
    return found
