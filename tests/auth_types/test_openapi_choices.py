"""Each auth type maps the OpenAPI security schemes that are its own, and answers [] for the others."""

from urllib.parse import urljoin

import pytest

from auth_types import registry
from auth_types.base import OPENAPI_DISCOVERY, OpenAPISchemeRefused
from tests.examples import example, keys


class Context:
    """A plain OpenAPIContext: URLs joined to one base, text kept as it is (builder.openapi cleans it)."""

    max_scopes = 3

    def __init__(self, base="https://api.example.com/v1/"):
        self.base = base

    def resolve_url(self, value, what):
        if not isinstance(value, str) or not value:
            raise OpenAPISchemeRefused(f"it names no {what}")
        return urljoin(self.base, value)

    def clean_name(self, text, limit=50):
        return (text if isinstance(text, str) else "")[:limit]

    def clean_scope_name(self, text):
        return text if isinstance(text, str) else ""

    def clean_note(self, text, limit):
        return (text if isinstance(text, str) else "")[:limit]


def choices(key, scheme, name="s"):
    return registry.get(key).openapi_choices(name, scheme, Context())


# Each type's example scheme, for the types that import one.
SCHEMES = {key: example(key).openapi_scheme for key in keys() if example(key).openapi_scheme}
# (the type it belongs to, a scheme): every other type must answer [] for it.
OWNED = [*SCHEMES.items(), ("basic", {"type": "basic"}), ("", {"type": "http", "scheme": "hoba"}),
         ("", {"type": "mutualTLS"}), ("", {"type": "openIdConnect", "openIdConnectUrl": "https://x.example.com"}),
         ("", {})]


# --- the registry ---------------------------------------------------------------------------

@pytest.mark.parametrize("auth_type", registry.all_types(), ids=lambda auth_type: auth_type.key)
@pytest.mark.parametrize("owner,scheme", OWNED)
def test_every_type_answers_nothing_for_a_scheme_that_is_not_its(auth_type, owner, scheme):
    if auth_type.key != owner:
        assert auth_type.openapi_choices("s", scheme, Context()) == []


@pytest.mark.parametrize("key", SCHEMES)
def test_the_registry_asks_every_type_and_only_the_owner_answers(key):
    found = registry.openapi_choices("s", SCHEMES[key], Context())
    assert [choice.auth_type for choice in found] == [key]


def test_the_registry_answers_nothing_for_a_scheme_no_type_imports():
    assert registry.openapi_choices("s", {"type": "http", "scheme": "hoba"}, Context()) == []


@pytest.mark.parametrize("http_scheme", registry.openapi_http_schemes())
def test_each_http_scheme_the_registry_names_is_imported_by_one_type(http_scheme):
    found = registry.openapi_choices("s", {"type": "http", "scheme": http_scheme.upper()}, Context())
    assert len(found) == 1 and found[0].kind == f"http {http_scheme.upper()}" and not found[0].reason


# --- API key --------------------------------------------------------------------------------

def test_api_key_maps_its_parameter_and_location():
    [choice] = choices("api_key", {"type": "apiKey", "in": "query", "name": "token", "description": "Your token"})
    assert (choice.name, choice.kind, choice.summary, choice.reason) == (
        "s", "apiKey in query", "API Key: token in the query string", "")
    assert choice.config == {"parameters": [{"name": "Your token", "key": "token", "location": "query"}]}


def test_api_key_takes_the_scheme_name_when_the_description_is_prose():
    [choice] = choices("api_key", {**SCHEMES["api_key"], "description": "word " * 20}, name="Key Auth")
    assert choice.config["parameters"][0]["name"] == "Key Auth"
    assert choice.summary == "API Key: X-Key in a header"


@pytest.mark.parametrize("scheme,reason", [
    ({"type": "apiKey", "in": "cookie", "name": "sid"}, "cookies are not supported as an API key location"),
    ({"type": "apiKey", "in": "form", "name": "k"}, "“form” is not a location an API key can be sent in"),
    ({"type": "apiKey", "in": "header", "name": ""}, "it names no parameter for the API key"),
])
def test_api_key_refuses_what_it_cannot_send(scheme, reason):
    with pytest.raises(OpenAPISchemeRefused, match=reason):
        choices("api_key", scheme)


# --- Basic and Bearer -----------------------------------------------------------------------

@pytest.mark.parametrize("scheme,kind", [({"type": "http", "scheme": "Basic"}, "http Basic"),
                                         ({"type": "basic"}, "basic")])
def test_basic_maps_http_basic_and_swagger2_basic(scheme, kind):
    [choice] = choices("basic", scheme)
    assert (choice.kind, choice.auth_type, choice.config["username_key"], choice.config["password_key"]) == (
        kind, "basic", "username", "password")


def test_bearer_notes_its_token_format():
    [choice] = choices("bearer", {"type": "http", "scheme": "Bearer", "bearerFormat": "JWT"})
    assert choice.kind == "http Bearer" and choice.note == "Bearer format: JWT."
    assert choice.summary == "Bearer Token: Authorization: Bearer <token> (JWT)"
    assert choice.config["token_prefix"] == "Bearer" and choice.config["parameter_key"] == "Authorization"


# --- OAuth2 ---------------------------------------------------------------------------------

def test_oauth2_offers_each_flow_and_refuses_the_unsafe_and_unknown_ones():
    flows = {name: {"authorizationUrl": "authorize", "tokenUrl": "token", "scopes": {"read": "Read"}}
             for name in ("authorizationCode", "clientCredentials", "implicit", "password", "deviceCode")}
    found = choices("oauth2", {"type": "oauth2", "flows": flows})
    assert [choice.name for choice in found] == [f"s ({name})" for name in flows]
    assert [bool(choice.reason) for choice in found] == [False, False, True, True, True]
    code, client, implicit, password, device = found
    assert code.config["authorization_url"] == "https://api.example.com/v1/authorize" and code.config["pkce"]
    assert client.config["grant_type"] == "client_credentials" and client.config["authorization_url"] == ""
    assert "implicit flow is not supported" in implicit.reason and "password flow" in password.reason
    assert device.reason == "the OAuth2 flow “deviceCode” is not one this importer knows"
    assert code.summary == "OAuth2 Authorization Code: 1 scope, token URL https://api.example.com/v1/token"


@pytest.mark.parametrize("flow,grant_type", [("accessCode", "authorization_code"),
                                             ("application", "client_credentials")])
def test_oauth2_reads_swagger2_flow_names(flow, grant_type):
    [choice] = choices("oauth2", {"type": "oauth2", "flow": flow, "authorizationUrl": "/a", "tokenUrl": "/t"})
    assert choice.name == "s" and choice.config["grant_type"] == grant_type


def test_oauth2_refuses_a_flow_whose_url_the_context_cannot_resolve_and_a_scheme_without_flows():
    [choice] = choices("oauth2", {"type": "oauth2", "flows": {"clientCredentials": {}}})
    assert choice.reason == "it names no token URL" and choice.kind == "oauth2 clientCredentials"
    with pytest.raises(OpenAPISchemeRefused, match="it declares no OAuth2 flow"):
        choices("oauth2", {"type": "oauth2", "flows": {}})


def test_oauth2_keeps_storable_scopes_up_to_the_context_limit():
    scopes = {True: "yes", "with space": "x", "": "empty", "a": "", "b": "B", "c": "C"}
    [choice] = choices("oauth2", {"type": "oauth2", "flows": {"clientCredentials": {
        "tokenUrl": "/t", "scopes": scopes}}})
    assert choice.scopes == [{"name": "yes", "value": "true"}, {"name": "a", "value": "a"},
                             {"name": "B", "value": "b"}]


def test_oauth2_reads_an_openid_connect_discovery_document():
    discovered = {"authorization_endpoint": "https://id.example.com/a", "token_endpoint": "https://id.example.com/t",
                  "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_post"],
                  "code_challenge_methods_supported": ["plain"], "revocation_endpoint": "https://id.example.com/revoke",
                  "issuer": "https://id.example.com"}


@pytest.mark.parametrize("discovered, reason", [
    ({"token_endpoint": "https://id.example.com/t"}, "its discovery document has no authorization_endpoint"),
    ({"authorization_endpoint": "https://id.example.com/a", "token_endpoint": "https://id.example.com/t",
      "grant_types_supported": ["client_credentials"]}, "does not offer the authorization code grant"),
])
def test_oauth2_refuses_a_discovery_document_it_cannot_use(discovered, reason):
    with pytest.raises(OpenAPISchemeRefused, match=reason):
        choices("oauth2", {"type": "openIdConnect", OPENAPI_DISCOVERY: discovered})


def test_an_openid_connect_scheme_nobody_resolved_is_not_read():
    assert choices("oauth2", {"type": "openIdConnect", "openIdConnectUrl": "https://x.example.com"}) == []
    scheme = {"type": "openIdConnect", "openIdConnectUrl": "https://id.example.com/.well-known/openid-configuration",
              OPENAPI_DISCOVERY: discovered}
    [choice] = choices("oauth2", scheme)
    assert choice.summary.startswith("OAuth2 Authorization Code (OpenID Connect): 0 scopes")
    assert {name: choice.config[name] for name in ("client_auth", "pkce", "revoke_url", "issuer")} == {
        "client_auth": "client_secret_post", "pkce": False, "revoke_url": "https://id.example.com/revoke",
        "issuer": "https://id.example.com"}


@pytest.mark.parametrize("discovered, reason", [
    ({"token_endpoint": "https://id.example.com/t"}, "its discovery document has no authorization_endpoint"),
    ({"authorization_endpoint": "https://id.example.com/a", "token_endpoint": "https://id.example.com/t",
      "grant_types_supported": ["client_credentials"]}, "does not offer the authorization code grant"),
])
def test_oauth2_refuses_a_discovery_document_it_cannot_use(discovered, reason):
    with pytest.raises(OpenAPISchemeRefused, match=reason):
        choices("oauth2", {"type": "openIdConnect", OPENAPI_DISCOVERY: discovered})


def test_an_openid_connect_scheme_nobody_resolved_is_not_read():
    assert choices("oauth2", {"type": "openIdConnect", "openIdConnectUrl": "https://x.example.com"}) == []
