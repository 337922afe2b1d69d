"""Fetch an openIdConnect security scheme's discovery document (the auth types read what it says)."""

import json

from auth_types.base import OPENAPI_DISCOVERY, OpenAPISchemeRefused
from connectors_site import outbound

from .spec import _resolve

DISCOVERY_TIMEOUT = (5, 10)
DISCOVERY_MAX_BYTES = 512 * 1024


def _discovered(raw, base):
    """Return the openIdConnect scheme with its provider's discovery document, for the auth types to read."""
    url = _resolve(raw.get("openIdConnectUrl"), base, "OpenID Connect discovery URL")
    return {**raw, OPENAPI_DISCOVERY: fetch_discovery(url)}


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
