"""Map OAuth2 security schemes: each flow is a choice; the implicit and password flows are refused."""

from .base import Scheme, _Unusable
from .spec import _key_text, _mapping, _resolve
from .text import clean_scope_name

MAX_SCOPES = 200     # the connector document's limit; the admin can add the rest in OAuth Scopes


# Swagger 2's names for the OAuth2 flows, and why two flows are refused.
SWAGGER2_FLOWS = {"accessCode": "authorizationCode", "application": "clientCredentials"}
UNSAFE_FLOWS = {
    "implicit": "the implicit flow is not supported: it returns the token in the browser's address bar, "
                "and the OAuth 2.0 Security Best Current Practice deprecates it",
    "password": "the password flow is not supported: it hands the user's password to the application, "
                "and the OAuth 2.0 Security Best Current Practice deprecates it",
}


def _oauth2(key, raw, base):
    if "flows" in raw:
        flows = _mapping(raw.get("flows"))
    else:
        flow = str(raw.get("flow", ""))
        flows = {SWAGGER2_FLOWS.get(flow, flow): raw}
    if not flows:
        raise _Unusable("it declares no OAuth2 flow")
    choices = []
    for flow_name, flow in flows.items():
        name = key if len(flows) == 1 else f"{key} ({flow_name})"
        kind = f"oauth2 {flow_name}"
        try:
            choices.append(_oauth2_flow(name, kind, str(flow_name), _mapping(flow), base, key))
        except _Unusable as error:
            choices.append(Scheme(name, kind, "", False, str(error), key=key))
    return choices


def _oauth2_flow(name, kind, flow_name, flow, base, key):
    if flow_name in UNSAFE_FLOWS:
        raise _Unusable(UNSAFE_FLOWS[flow_name])
    if flow_name not in ("authorizationCode", "clientCredentials"):
        raise _Unusable(f"the OAuth2 flow “{flow_name[:30]}” is not one this importer knows")
    code = flow_name == "authorizationCode"
    refresh = flow.get("refreshUrl")
    config = _oauth2_config(
        grant_type="authorization_code" if code else "client_credentials",
        authorization_url=_resolve(flow.get("authorizationUrl"), base, "authorization URL") if code else "",
        token_url=_resolve(flow.get("tokenUrl"), base, "token URL"),
        refresh_url=_resolve(refresh, base, "refresh URL") if refresh else "",
    )
    scopes = _scopes(_mapping(flow.get("scopes")).items())
    label = "Authorization Code" if code else "Client Credentials"
    return Scheme(name, kind, f"OAuth2 {label}: {_count(scopes, 'scope')}, token URL {config['token_url']}", True,
                  key=key, auth_type="oauth2", config=config, scopes=scopes)


def _oauth2_config(**settings):
    code = settings["grant_type"] == "authorization_code"
    return {"grant_type": "", "client_id": "", "client_auth": "client_secret_basic", "authorization_url": "",
            "token_url": "", "revoke_url": "", "refresh_url": "", "bearer_name": "Bearer",
            "expiry_seconds": 3600, "pkce": code, "issuer": "", **settings}


def _scopes(pairs):
    """Return [{name, value}] from (value, description) pairs; skip values the builder cannot store."""
    scopes = []
    for value, description in pairs:
        value = _key_text(value)
        if value and len(value) <= 255 and value.isprintable() and not any(ch.isspace() for ch in value):
            scopes.append({"name": clean_scope_name(description) or value[:100], "value": value})
    return scopes[:MAX_SCOPES]


def _count(items, noun):
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"
