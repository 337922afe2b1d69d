"""OAuth2 from an OpenAPI document: its oauth2 security schemes' flows, and openIdConnect schemes
through the provider's discovery document (OpenID Connect Discovery 1.0), which the importer
fetches and hands over under OPENAPI_DISCOVERY.
"""

import json

from .base import OPENAPI_DISCOVERY, OpenAPIChoice, OpenAPISchemeRefused
from .oauth2_client_auth import DEFAULT, first_supported
from .oauth2_flows import AUTHORIZATION_CODE, CLIENT_CREDENTIALS

GRANT_LABELS = {AUTHORIZATION_CODE: "Authorization Code", CLIENT_CREDENTIALS: "Client Credentials"}
# The OpenAPI flows OAuth2 imports, Swagger 2's names for them, and why two flows are refused.
OPENAPI_FLOWS = {"authorizationCode": AUTHORIZATION_CODE, "clientCredentials": CLIENT_CREDENTIALS}
SWAGGER2_FLOWS = {"accessCode": "authorizationCode", "application": "clientCredentials"}
UNSAFE_FLOWS = {
    "implicit": "the implicit flow is not supported: it returns the token in the browser's address bar, "
                "and the OAuth 2.0 Security Best Current Practice deprecates it",
    "password": "the password flow is not supported: it hands the user's password to the application, "
                "and the OAuth 2.0 Security Best Current Practice deprecates it",
}


def openapi_choices(key, name, scheme, context):
    """Return a choice per flow of an oauth2 (or resolved openIdConnect) scheme; [] for other schemes."""
    discovered = {}
    if scheme.get("type") == "openIdConnect":
        if not isinstance(scheme.get(OPENAPI_DISCOVERY), dict):
            return []  # not resolved by the importer: nothing to read
        scheme, discovered = openid_scheme(scheme[OPENAPI_DISCOVERY])
    elif scheme.get("type") != "oauth2":
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
            _fill(choice, key, str(flow_name), flow if isinstance(flow, dict) else {}, discovered, context)
        except OpenAPISchemeRefused as error:
            choice.reason = str(error)
        choices.append(choice)
    return choices


def openid_scheme(found):
    """Return (the oauth2 scheme, what else it says) an OpenID provider's discovery document describes."""
    for field in ("authorization_endpoint", "token_endpoint"):
        if not isinstance(found.get(field), str) or not found[field]:
            raise OpenAPISchemeRefused(f"its discovery document has no {field}")
    grants = found.get("grant_types_supported")
    if isinstance(grants, list) and AUTHORIZATION_CODE not in grants:
        raise OpenAPISchemeRefused("its provider does not offer the authorization code grant")
    challenges = found.get("code_challenge_methods_supported")
    supported = found.get("scopes_supported") if isinstance(found.get("scopes_supported"), list) else []
    flow = {"authorizationUrl": found["authorization_endpoint"], "tokenUrl": found["token_endpoint"],
            "scopes": {value: "" for value in supported if isinstance(value, str)}}
    discovered = {
        "by": "OpenID Connect",
        "client_auth": first_supported(found.get("token_endpoint_auth_methods_supported")),
        "pkce": not isinstance(challenges, list) or "S256" in challenges,
        "revoke_url": _text(found.get("revocation_endpoint")),
        "issuer": _text(found.get("issuer")),
        # RFC 9207: only a server that says it always sends iss may have its callbacks refused without one.
        "require_iss": found.get("authorization_response_iss_parameter_supported") is True,
    }
    return {"type": "oauth2", "flows": {"authorizationCode": flow}}, discovered


def _text(value):
    return value if isinstance(value, str) else ""


SPACE_IN_SCOPE = ("a space separates scopes in an OAuth request (RFC 6749, section 3.3), so the provider would "
                  "read such a value as several scopes; if it means several, add each in OAuth Scopes")


def _scope_problem(value):
    """Return why a document's scope value cannot be a scope, or ""."""
    if not value:
        return "a scope value cannot be empty"
    if any(ch.isspace() for ch in value):
        return SPACE_IN_SCOPE
    if not value.isprintable():
        return "a scope value cannot hold control characters"
    if len(value) > 255:
        return "a scope value has at most 255 characters"
    return ""


def _left_out_warning(values, why):
    printable = ["".join(ch if ch.isprintable() else "\ufffd" for ch in value) for value in values[:3]]
    shown = ", ".join(f"“{value[:40]}{'…' if len(value) > 40 else ''}”" for value in printable)
    more = f" and {len(values) - 3} more" if len(values) > 3 else ""
    count = f"{len(values)} scope{'' if len(values) == 1 else 's'}"
    return f"{count} left out ({shown}{more}): {why}."


def _fill(choice, key, flow_name, flow, discovered, context):
    """Fill choice from an OpenAPI flow object and what an OpenID Connect discovery added."""
    if flow_name in UNSAFE_FLOWS:
        raise OpenAPISchemeRefused(UNSAFE_FLOWS[flow_name])
    if flow_name not in OPENAPI_FLOWS:
        raise OpenAPISchemeRefused(f"the OAuth2 flow “{flow_name[:30]}” is not one this importer knows")
    grant = OPENAPI_FLOWS[flow_name]
    code, refresh = grant == AUTHORIZATION_CODE, flow.get("refreshUrl")
    config = {
        "grant_type": grant, "client_id": "", "client_auth": discovered.get("client_auth", DEFAULT),
        "authorization_url": context.resolve_url(flow.get("authorizationUrl"), "authorization URL") if code else "",
        "token_url": context.resolve_url(flow.get("tokenUrl"), "token URL"),
        "revoke_url": discovered.get("revoke_url", ""),
        "refresh_url": context.resolve_url(refresh, "refresh URL") if refresh else "",
        "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": discovered.get("pkce", code),
        "issuer": discovered.get("issuer", ""), "require_iss": bool(code and discovered.get("require_iss")),
    }
    scopes, left_out = [], {}
    for value, description in (flow["scopes"] if isinstance(flow.get("scopes"), dict) else {}).items():
        # YAML keys may be true, null or numbers: the value is the key as JSON writes it.
        value = json.dumps(value) if value is None or isinstance(value, bool) else str(value)
        problem = _scope_problem(value)
        if problem:
            left_out.setdefault(problem, []).append(value)
        else:
            scopes.append({"name": context.clean_scope_name(description) or value[:100], "value": value})
    if len(scopes) > context.max_scopes:
        left_out[f"a connector holds at most {context.max_scopes} scopes from a document; add the others in OAuth "
                 "Scopes if you need them"] = [scope["value"] for scope in scopes[context.max_scopes:]]
        scopes = scopes[:context.max_scopes]
    choice.warnings = [_left_out_warning(values, why) for why, values in left_out.items()]
    label = GRANT_LABELS[grant] + (f" ({discovered['by']})" if "by" in discovered else "")
    choice.summary = (f"OAuth2 {label}: {len(scopes)} scope{'' if len(scopes) == 1 else 's'}, "
                      f"token URL {config['token_url']}")
    choice.auth_type, choice.config, choice.scopes = key, config, scopes
