"""Import from OpenAPI: the rules that map security schemes, OpenID Connect against a real server."""

import json

import pytest

from builder import openapi
from tests.builder.openapi_helpers import sample, schemes_of
from tests.peers.servers import serve_wsgi


def test_relative_urls_resolve_against_the_server_url_and_its_variables():
    flows = {"authorizationCode": {"authorizationUrl": "../authorize", "tokenUrl": "/oauth/token",
                                   "refreshUrl": "oauth/refresh", "scopes": {}}}
    server = {"url": "https://{tenant}.example.com/api/{version}",
              "variables": {"tenant": {"default": "acme"}, "version": {"default": "v2"}}}
    config = schemes_of({"o": {"type": "oauth2", "flows": flows}}, servers=[server])["o"].config
    assert (config["authorization_url"], config["token_url"], config["refresh_url"]) == (
        "https://acme.example.com/authorize", "https://acme.example.com/oauth/token",
        "https://acme.example.com/api/oauth/refresh")
    scheme_relative = schemes_of({"o": {"type": "oauth2", "flows": flows}}, servers=[{"url": "//id.example.com/v1"}])
    assert scheme_relative["o"].config["token_url"] == "https://id.example.com/oauth/token"


def test_swagger2_relative_urls_resolve_against_host_and_base_path():
    spec = {"swagger": "2.0", "info": {"title": "Zylker"}, "host": "api.example.com", "basePath": "/v1",
            "schemes": ["http", "https"], "securityDefinitions": {
                "app": {"type": "oauth2", "flow": "application", "tokenUrl": "/token", "scopes": {"a": "A"}},
                "code": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "auth", "tokenUrl": "token"},
                "pass": {"type": "oauth2", "flow": "password", "tokenUrl": "/token"},
                "basic": {"type": "basic"}}}
    schemes = {scheme.name: scheme for scheme in openapi.security_schemes(spec)}
    assert schemes["app"].config["token_url"] == "https://api.example.com/token"
    assert schemes["app"].config["grant_type"] == "client_credentials"
    assert schemes["code"].config["authorization_url"] == "https://api.example.com/auth"
    assert "password flow is not supported" in schemes["pass"].reason
    assert schemes["basic"].auth_type == "basic"


def test_a_relative_url_without_an_absolute_server_is_refused():
    flows = {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}}
    scheme = schemes_of({"o": {"type": "oauth2", "flows": flows}}, servers=[{"url": "/api/v1"}])["o"]
    assert not scheme.importable
    assert scheme.reason == ("its token URL “/oauth/token” is relative and the document names no absolute "
                             "server URL to resolve it against")


def test_each_flow_of_a_scheme_is_a_choice_of_its_own():
    flows = {name: {"authorizationUrl": "https://id.example.com/auth", "tokenUrl": "https://id.example.com/token",
                    "scopes": {"read": "Read"}} for name in ("authorizationCode", "clientCredentials", "implicit",
                                                             "password")}
    schemes = schemes_of({"oauth2": {"type": "oauth2", "flows": flows}})
    assert list(schemes) == [f"oauth2 ({name})" for name in flows]
    assert [scheme.importable for scheme in schemes.values()] == [True, True, False, False]
    assert "deprecates it" in schemes["oauth2 (implicit)"].reason
    assert schemes["oauth2 (clientCredentials)"].config["authorization_url"] == ""


@pytest.mark.parametrize("raw,reason", [
    ({"type": "http", "scheme": "hoba"}, "HTTP “hoba” authentication is not supported"),
    ({"type": "mutualTLS"}, "mutual TLS (client certificates) is not supported"),
    ({"type": "apiKey", "in": "cookie", "name": "sid"}, "cookies are not supported as an API key location"),
    ({"type": "apiKey", "in": "header"}, "it names no parameter"),
    ({"type": "apiKey", "in": "header", "name": "X Key"}, "its settings are not valid here: Parameter 1"),
    ({"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "ftp://x.example.com/t"}}},
     "its settings are not valid here: Token URL"),
    ({"type": "oauth2", "flows": {}}, "it declares no OAuth2 flow"),
    ({"type": "carrier-pigeon"}, "is not one this importer knows"),
])
def test_schemes_the_builder_cannot_use_are_refused_with_a_reason(raw, reason):
    scheme = schemes_of({"s": raw})["s"]
    assert not scheme.importable and reason in scheme.reason


def test_too_many_schemes_or_discoveries_are_refused(discovery_server):
    with pytest.raises(openapi.DocumentRefused, match="declares 51 security schemes; at most 50"):
        schemes_of({f"s{i}": {"type": "http", "scheme": "basic"} for i in range(51)})
    base, routes = discovery_server
    many = {f"o{i}": {"type": "openIdConnect", "openIdConnectUrl": f"{base}/missing"} for i in range(5)}
    reasons = [scheme.reason for scheme in schemes_of(many).values()]
    assert ["answered HTTP 404" in reason for reason in reasons] == [True] * 3 + [False] * 2
    assert reasons[-1] == "only the first 3 OpenID Connect schemes of a document are looked up"


def test_http_urls_are_refused_in_production(settings):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False
    flows = {"clientCredentials": {"tokenUrl": "http://id.example.com/token"}}
    assert "Use an https:// URL." in schemes_of({"o": {"type": "oauth2", "flows": flows}})["o"].reason


def test_api_key_name_comes_from_a_short_description_a_long_one_is_the_end_users_help_text():
    schemes = schemes_of({
        "k": {"type": "apiKey", "in": "query", "name": "token", "description": "Your **API** token"},
        "long": {"type": "apiKey", "in": "header", "name": "X-K", "description": "word " * 30},
        "_b": {"type": "http", "scheme": "Bearer", "bearerFormat": "JWT"}})
    assert schemes["k"].config["parameters"][0] == {"name": "Your API token", "key": "token", "location": "query"}
    assert schemes["long"].config["parameters"][0] == {"name": "long", "key": "X-K", "location": "header",
                                                        "help_text": ("word " * 30).strip()}
    assert schemes["_b"].note == "Bearer format: JWT." and schemes["_b"].auth_type == "bearer"


def test_scope_names_are_cleaned_to_100_characters():
    scopes = {"a": "**Read** [all](https://x.example.com) " + "data " * 40, "b": "", "with space": "skipped"}
    found = schemes_of({"o": {"type": "oauth2", "flows": {"clientCredentials": {
        "tokenUrl": "https://x.example.com/t", "scopes": scopes}}}})["o"].scopes
    assert [scope["value"] for scope in found] == ["a", "b"]
    assert found[0]["name"].startswith("Read all data data") and len(found[0]["name"]) <= 100
    assert found[0]["name"].endswith("...") and found[1]["name"] == "b"


def oauth_scheme(scopes):
    return schemes_of({"o": {"type": "oauth2", "flows": {"clientCredentials": {
        "tokenUrl": "https://x.example.com/t", "scopes": scopes}}}})["o"]


def test_scope_values_with_spaces_are_left_out_with_the_reason():
    scheme = oauth_scheme({"read": "Read", "read write": "Both", "admin all": "", "x\u0007": "Bell"})
    assert [scope["value"] for scope in scheme.scopes] == ["read"]
    assert scheme.warnings == [
        "2 scopes left out (“read write”, “admin all”): a space separates scopes in an OAuth request (RFC 6749, "
        "section 3.3), so the provider would read such a value as several scopes; if it means several, add each "
        "in OAuth Scopes.",
        "1 scope left out (“x\ufffd”): a scope value cannot hold control characters."]


def test_every_scope_is_imported_up_to_the_documents_limit_and_the_rest_named():
    scheme = oauth_scheme({f"s{index}": "" for index in range(openapi.MAX_SCOPES + 5)})
    assert len(scheme.scopes) == openapi.MAX_SCOPES
    assert scheme.warnings == [f"5 scopes left out (“s{openapi.MAX_SCOPES}”, “s{openapi.MAX_SCOPES + 1}”, "
                               f"“s{openapi.MAX_SCOPES + 2}” and 2 more): a connector holds at most "
                               f"{openapi.MAX_SCOPES} scopes from a document; add the others in OAuth Scopes if you "
                               "need them."]
    assert not oauth_scheme({f"s{index}": "" for index in range(300)}).warnings  # no cap below the limit


def test_the_importers_scope_limit_is_the_documents():
    from builder.document_format import document_schema

    assert openapi.MAX_SCOPES == document_schema()["$defs"]["connector"]["properties"]["scopes"]["maxItems"]


@pytest.mark.parametrize("servers, words", [
    # A host variable becomes a connection variable (prov): each end user gives their own.
    ([{"url": "https://{tenant}.zylker.com/v1", "variables": {"tenant": {"default": "acme"}}}],
     "the Base URL is https://{tenant}.zylker.com/v1, and {tenant} is a connection variable each end user gives"),
    ([{"url": "https://api.example.com/v1"}], "(example.com is a name reserved for examples)"),
    ([{"url": "http://127.0.0.1:8080"}], "(it is the local machine)"),
    ([{"url": "https://{host}/v1"}], "“https://{host}/v1” is not a full URL"),
])
def test_a_placeholder_server_host_says_it_is_one(servers, words):
    warnings = openapi.server_warnings({"openapi": "3.0.3", "servers": servers})
    assert len(warnings) == 1 and words in warnings[0]


def test_a_real_server_host_has_no_warning_and_placeholder_further_servers_are_no_api_origins():
    from tests.builder.openapi_helpers import openapi3

    spec = openapi3({"k": {"type": "apiKey", "in": "header", "name": "X-K"}}, servers=[
        {"url": "https://api.zylker.com/v1"}, {"url": "https://eu.zylker.com/v1"},
        {"url": "https://{domain}/api", "variables": {"domain": {"default": "example.com"}}}])
    assert openapi.connector_document_from(spec, "k")["connector"]["api_origins"] == ["https://eu.zylker.com"]
    assert openapi.server_warnings(spec) == [
        "Not added as API origins, their hosts being placeholders: “https://{domain}/api”. Add your own in Security "
        "if the connection's credentials should go there."]


# --- openIdConnect against a real discovery server on 127.0.0.1 ---------------------------------

@pytest.fixture
def discovery_server():
    """Serve {path: (status, JSON-able body)} set by the test; return (base_url, routes)."""
    routes = {}

    def app(environ, start_response):
        status, body = routes.get(environ["PATH_INFO"], (404, {"error": "not found"}))
        start_response(f"{status} X", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    base_url, stop = serve_wsgi(app)
    yield base_url, routes
    stop()


def test_openid_connect_maps_its_discovery_document(discovery_server):
    base, routes = discovery_server
    routes["/.well-known/openid-configuration"] = (200, {
        "issuer": base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
        "revocation_endpoint": f"{base}/revoke", "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"]})
    # Airflow's own document, its openIdConnectUrl pointed at the local server.
    spec = openapi.parse_openapi(sample("airflow-stable-v1.yaml"))
    spec["components"]["securitySchemes"]["GoogleOpenId"]["openIdConnectUrl"] = \
        f"{base}/.well-known/openid-configuration"
    scheme = {scheme.name: scheme for scheme in openapi.security_schemes(spec)}["GoogleOpenId"]
    assert scheme.importable, scheme.reason
    assert scheme.config | {"client_id": ""} == {
        "grant_type": "authorization_code", "client_id": "", "client_auth": "client_secret_post",
        "authorization_url": f"{base}/authorize", "token_url": f"{base}/token", "revoke_url": f"{base}/revoke",
        "refresh_url": "", "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": True, "issuer": base,
        "require_iss": False}
    assert [scope["value"] for scope in scheme.scopes] == ["openid", "email", "profile"]


def test_openid_connect_relative_url_resolves_against_the_server(discovery_server):
    base, routes = discovery_server
    routes["/oidc"] = (200, {"authorization_endpoint": f"{base}/a", "token_endpoint": f"{base}/t"})
    scheme = schemes_of({"oidc": {"type": "openIdConnect", "openIdConnectUrl": "/oidc"}},
                        servers=[{"url": f"{base}/api"}])["oidc"]
    assert scheme.importable and scheme.config["token_url"] == f"{base}/t" and scheme.scopes == []


@pytest.mark.parametrize("route,url,reason", [
    (None, "http://127.0.0.1:9/.well-known/openid-configuration", "could not be fetched: Could not connect"),
    (None, "http://169.254.169.254/latest/meta-data", "could not be fetched: Refused to connect to 169.254.169.254"),
    ((404, {}), "{base}/oidc", "could not be fetched: the server answered HTTP 404"),
    ((200, ["not", "an", "object"]), "{base}/oidc", "it is not a JSON object"),
    ((200, {"authorization_endpoint": "https://x.example.com/a"}), "{base}/oidc", "has no token_endpoint"),
])
def test_openid_connect_unreachable_or_unusable_is_refused(discovery_server, route, url, reason):
    base, routes = discovery_server
    if route:
        routes["/oidc"] = route
    scheme = schemes_of({"oidc": {"type": "openIdConnect", "openIdConnectUrl": url.format(base=base)}})["oidc"]
    assert not scheme.importable and reason in scheme.reason
