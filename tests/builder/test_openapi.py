"""Import from OpenAPI: real vendors' documents, refused documents, the mapping rules and the page."""

import csv
import json
import random
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, URLResolver, include, path, reverse

from builder import openapi
from builder import urls as builder_urls
from builder.models import Connector, Scope, Stage
from builder.validators import connector_name_validator, description_validator
from builder.views.openapi import OpenAPIImportView
from connectors_site import urls as site_urls
from tests.builder.conftest import field_error, page
from tests.peers.servers import serve_wsgi

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "openapi-samples"


def sample(name):
    return (SAMPLES / name).read_bytes()


def mapped(name):
    """Return {scheme name: Scheme} for a sample."""
    return {scheme.name: scheme for scheme in openapi.security_schemes(openapi.parse_openapi(sample(name)))}


# --- every sample: its schemes, written down from reading each document ---------------------

BASIC = ("basic", {"username_name": "Username", "username_key": "username",
                   "password_name": "Password", "password_key": "password"})
BEARER = ("bearer", {"location": "header", "parameter_name": "Bearer Token", "parameter_key": "Authorization",
                     "token_prefix": "Bearer"})


def api_key(name, key, location):
    return ("api_key", {"parameters": [{"name": name, "key": key, "location": location}]})


def oauth2(grant, authorization, token, refresh="", scopes=()):
    return ("oauth2", {"grant_type": grant, "authorization_url": authorization, "token_url": token,
                       "refresh_url": refresh, "client_id": "", "revoke_url": "", "issuer": "",
                       "pkce": grant == "authorization_code"}, scopes if isinstance(scopes, int) else list(scopes))


def refused(reason):
    return ("refused", reason)


HUBSPOT_SCOPES = 77
EXPECTED = {
    "xero-identity.yaml": ("Xero OAuth 2 Identity Service API", {
        "BasicAuth": BASIC,
        "OAuth2": oauth2("authorization_code", "https://login.xero.com/identity/connect/authorize",
                         "https://identity.xero.com/connect/token",
                         scopes=[("Grant read-only access to your email", "email"),
                                 ("Grant read-only access to your open id", "openid"),
                                 ("your profile information", "profile")]),
    }),
    "xero-app-store.yaml": ("Xero AppStore API", {
        "OAuth2": oauth2("client_credentials", "", "https://identity.xero.com/connect/token",
                         scopes=[("Grant read-only access to fixed assets", "marketplace.billing")]),
    }),
    "netlify-api.yaml": ("Netlifys API documentation", {
        "netlifyAuth": refused("the implicit flow is not supported"),
    }),
    "nytimes-top-stories-v2.json": ("Top Stories", {"apikey": api_key("apikey", "api-key", "query")}),
    "resend-api.yaml": ("Resend", {"bearerAuth": BEARER}),
    "overseerr-api.yaml": ("Overseerr API", {
        "cookieAuth": refused("cookies are not supported as an API key location"),
        "apiKey": api_key("apiKey", "X-Api-Key", "header"),
    }),
    "adyen-binlookup-v54.json": ("Adyen BinLookup API", {
        "ApiKeyAuth": api_key("ApiKeyAuth", "X-API-Key", "header"), "BasicAuth": BASIC,
    }),
    "twilio-oauth-v2.json": ("User OAuth API", {
        "accountSid_authToken": BASIC,
        "v2_oauth2_client_credentials": oauth2("client_credentials", "", "https://oauth.twilio.com/v2/token"),
    }),
    "outline-api.yaml": ("Outline API", {
        "BearerAuth": BEARER,
        "OAuth2": oauth2("authorization_code", "https://app.getoutline.com/oauth/authorize",
                         "https://app.getoutline.com/oauth/token", "https://app.getoutline.com/oauth/token",
                         scopes=[("Read access", "read"), ("Write access", "write")]),
    }),
    "hubspot-crm-contacts-2026-03.json": ("Contacts", {
        "developer_hapikey": api_key("developer_hapikey", "hapikey", "query"),
        "oauth2": oauth2("authorization_code", "https://app.hubspot.com/oauth/authorize",
                         "https://api.hubapi.com/oauth/v1/token", scopes=HUBSPOT_SCOPES),
        "private_apps": api_key("private_apps", "private-app", "header"),
        "private_apps_legacy": api_key("private_apps_legacy", "private-app-legacy", "header"),
    }),
    "airflow-stable-v1.yaml": ("Airflow API Stable", {
        "Basic": BASIC,
        # Its discovery document is on the internet, which tests do not reach: see test_airflow_openid.
        "GoogleOpenId": None,
        "Kerberos": refused("HTTP “negotiate” authentication is not supported"),
    }),
}
IMPORTABLE = [(name, scheme) for name, (_, schemes) in EXPECTED.items()
              for scheme, expected in schemes.items() if expected and expected[0] != "refused"]


def test_every_listed_sample_has_expectations():
    with open(SAMPLES / "SOURCES.tsv", newline="") as sources:
        listed = {row["file"] for row in csv.DictReader(sources, delimiter="\t")}
    assert listed == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_schemes_map_as_expected(name):
    schemes = mapped(name)
    assert list(schemes) == list(EXPECTED[name][1])
    for scheme_name, expected in EXPECTED[name][1].items():
        scheme = schemes[scheme_name]
        if expected is None:
            continue
        if expected[0] == "refused":
            assert not scheme.importable and expected[1] in scheme.reason
            continue
        assert scheme.importable, scheme.reason
        assert scheme.auth_type == expected[0]
        assert expected[1].items() <= scheme.config.items()
        if expected[0] == "oauth2":
            scopes = [(scope["name"], scope["value"]) for scope in scheme.scopes]
            assert len(scopes) == expected[2] if isinstance(expected[2], int) else scopes == expected[2]


@pytest.mark.django_db
@pytest.mark.parametrize("name,scheme", IMPORTABLE)
def test_sample_imports_as_a_draft(name, scheme, builder_user):
    title, schemes = EXPECTED[name]
    kind, config, *rest = schemes[scheme]
    connector = openapi.import_openapi(sample(name).decode(), scheme=scheme, user=builder_user)
    assert (connector.name, connector.auth_type, connector.stage) == (title, kind, Stage.DRAFT)
    assert connector.scope_delimiter == " " and connector.builtin_key == ""
    assert config.items() <= connector.config.items()
    assert connector.secrets == {} or not any(connector.secrets.values())
    scopes = sorted(connector.scopes.values_list("name", "value"))
    expected = rest[0] if rest else []
    assert len(scopes) == expected if isinstance(expected, int) else scopes == sorted(expected)
    connector.full_clean()  # name and description follow the builder's rules
    # Complete but for what the admin enters: their own OAuth client.
    assert all(problem.startswith(("Security: Client ID:", "Security: Client Secret:"))
               for problem in connector.ready_problems())
    assert bool(connector.ready_problems()) == (kind == "oauth2")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_essentials_import_the_same_as_the_whole_document(name):
    spec = openapi.parse_openapi(sample(name))
    carried = openapi.parse_openapi(json.dumps(openapi.essentials(spec)))
    assert openapi.security_schemes(carried) == openapi.security_schemes(spec)
    for scheme in openapi.security_schemes(spec):
        if scheme.importable:
            assert openapi.document_for(carried, scheme) == openapi.document_for(spec, scheme)


def test_essentials_carry_yaml_only_values_as_json_reads_them():
    text = ("swagger: '2.0'\ninfo: {title: 2024-01-01, description: x}\nhost: api.example.com\n"
            "securityDefinitions:\n  2024-01-01:\n    type: oauth2\n    flow: application\n"
            "    tokenUrl: /t\n    scopes: {true: yes, 7: seven, null: ~}\n"
            "paths:\n  /me:\n    get:\n      parameters: [{$ref: '#/parameters/p'}]\nparameters:\n"
            "  p: {name: q, in: query, required: true}\n")
    spec = openapi.parse_openapi(text)
    carried = openapi.parse_openapi(json.dumps(openapi.essentials(spec)))
    assert openapi.security_schemes(carried) == openapi.security_schemes(spec)
    assert [scope["value"] for scope in openapi.security_schemes(spec)[0].scopes] == ["true", "7", "null"]
    assert carried["paths"]["/me"]["get"]["parameters"] == [{"name": "q", "in": "query", "required": True}]


def test_hubspot_scopes_take_their_values_as_names():
    scopes = mapped("hubspot-crm-contacts-2026-03.json")["oauth2"].scopes
    assert {scope["name"] for scope in scopes} == {scope["value"] for scope in scopes}
    assert {"crm.objects.contacts.read", "crm.objects.contacts.write"} <= {scope["value"] for scope in scopes}


def test_airflow_openid_is_refused_when_its_discovery_document_cannot_be_fetched():
    google = mapped("airflow-stable-v1.yaml")["GoogleOpenId"]
    assert google.kind == "openIdConnect"
    # The test network has no route to accounts.google.com; with one, Google's endpoints are mapped.
    if google.importable:
        assert google.config["authorization_url"].startswith("https://accounts.google.com/")
    else:
        assert google.reason.startswith("its discovery document could not be fetched: ")


def test_descriptions_are_cleaned_and_notes_added():
    outline = openapi.parse_openapi(sample("outline-api.yaml"))
    schemes = {scheme.name: scheme for scheme in openapi.security_schemes(outline)}
    bearer = openapi.document_for(outline, schemes["BearerAuth"])["connector"]["description"]
    assert bearer.startswith("The Outline API is structured in an RPC style.") and bearer.endswith(
        "... Bearer format: JWT.")
    assert len(bearer) <= 255 and "#" not in bearer
    airflow = openapi.parse_openapi(sample("airflow-stable-v1.yaml"))
    document = openapi.connector_document_from(airflow, "Basic")["connector"]
    assert document["description"].startswith("To facilitate management, Apache Airflow supports")
    assert document["documentation_url"] == "https://airflow.apache.org/docs/apache-airflow/stable/"
    assert document["test_request"] is None  # its server URL, /api/v1, is relative


def test_test_request_is_an_identity_endpoint_the_scheme_secures(settings):
    spec = openapi.parse_openapi(sample("overseerr-api.yaml"))
    assert openapi.connector_document_from(spec, "apiKey")["connector"]["test_request"] == {
        "method": "GET", "url": "http://localhost:5055/api/v1/auth/me"}
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False  # production: an http:// test URL is not offered
    assert openapi.connector_document_from(spec, "apiKey")["connector"]["test_request"] is None
    spec["servers"] = [{"url": "https://api.example.com/v1\x00"}]  # nor one the builder's field refuses
    assert openapi.connector_document_from(spec, "apiKey")["connector"]["test_request"] is None
    spec["servers"] = [{"url": "https://api.example.com/v1"}]
    assert openapi.connector_document_from(spec, "apiKey")["connector"]["test_request"]["url"] == \
        "https://api.example.com/v1/auth/me"


@pytest.mark.parametrize("name", ["adyen-binlookup-v54.json", "hubspot-crm-contacts-2026-03.json"])
def test_several_importable_schemes_need_a_choice(name, builder_user):
    with pytest.raises(openapi.SchemeChoiceError, match="choose one of") as raised:
        openapi.import_openapi(sample(name), user=builder_user)
    assert raised.value.choices == [s for s, e in EXPECTED[name][1].items() if e and e[0] != "refused"]


@pytest.mark.django_db
def test_the_only_importable_scheme_is_used_without_a_choice(builder_user):
    connector = openapi.import_openapi(sample("overseerr-api.yaml"), user=builder_user)
    assert connector.config["parameters"][0]["key"] == "X-Api-Key"
    assert connector.test_url == "http://localhost:5055/api/v1/auth/me"


def test_a_document_with_nothing_importable_says_why(builder_user):
    with pytest.raises(openapi.SchemeChoiceError, match="None of the document's security schemes can be "
                       r"imported \(netlifyAuth: the implicit flow"):
        openapi.import_openapi(sample("netlify-api.yaml"), user=builder_user)


# --- documents that are refused --------------------------------------------------------------

def openapi3(schemes=None, **fields):
    return {"openapi": "3.0.3", "info": {"title": "Zylker", "version": "1"}, "paths": {},
            **({"components": {"securitySchemes": schemes}} if schemes is not None else {}), **fields}


@pytest.mark.parametrize("text,message", [
    ("", "The document is empty."),
    ('{"openapi": "3.0.0",', "The document is not valid JSON: "),
    ("openapi: [3.0\n  info: {", "neither JSON nor valid YAML (line "),
    (b"\xff\xfe\x00o\x00p", "not UTF-8 text"),
    ('{"name": "not an API"}', "not an OpenAPI 3.x or Swagger 2.0 document"),
    ("[1, 2, 3]", "not an OpenAPI 3.x or Swagger 2.0 document"),
    ("just a sentence", "not an OpenAPI 3.x or Swagger 2.0 document"),
    ('{"openapi": "4.0.0"}', "declares version 4.0.0; only OpenAPI 3.x and Swagger 2.0"),
    ('{"swagger": "1.2"}', "declares version 1.2"),
    ("!!python/object/apply:os.system ['true']", "neither JSON nor valid YAML"),
    ("a: 1\n---\nb: 2\n", "neither JSON nor valid YAML"),
    ("openapi: \ud800", "not UTF-8 text"),
    ('{"openapi": "3.0.0", "info": {"title": "\\ud800"}}', "not valid Unicode (an unpaired surrogate)"),
])
def test_not_a_document_we_read(text, message):
    with pytest.raises(openapi.DocumentRefused) as raised:
        openapi.parse_openapi(text)
    assert message in str(raised.value)


def test_no_security_schemes_is_a_clear_refusal(builder_user):
    with pytest.raises(openapi.SchemeChoiceError, match="declares no security schemes"):
        openapi.import_openapi(json.dumps(openapi3()), user=builder_user)


@pytest.mark.parametrize("payload", [b"{" + b" " * 50_000_000 + b"}", "x" * 50_000_000, "é" * 2_600_000])
def test_larger_than_5_mb_is_refused_before_parsing(payload):
    started = time.monotonic()
    with pytest.raises(openapi.DocumentRefused, match="larger than 5 MB"):
        openapi.parse_openapi(payload)
    assert time.monotonic() - started < 1


BILLION_LAUGHS = "a0: &a0 [lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
MERGE_BOMB = "m0: &m0 {k: v}\n" + "".join(
    f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}], k{i}: v}}\n" for i in range(1, 10))


@pytest.mark.parametrize("loader", sorted({openapi._LOADER, openapi._PythonLoader}, key=lambda c: c.__name__))
@pytest.mark.parametrize("text,message", [
    (BILLION_LAUGHS, "possible YAML bomb"),
    (MERGE_BOMB, "possible YAML bomb"),
    ("a: &a [1, *a]\n", "recursive alias"),
    ("key: " + "[" * 1_000_000, "nest"),  # libyaml's scanner may stop it first (at 1000 levels)
    ("".join(f"{'  ' * depth}k:\n" for depth in range(200)), "nests deeper than 64 levels"),
])
def test_yaml_bombs_and_deep_nesting_are_refused_quickly(monkeypatch, loader, text, message):
    monkeypatch.setattr(openapi, "_LOADER", loader)
    started = time.monotonic()
    with pytest.raises(openapi.DocumentRefused, match=message):
        openapi.parse_openapi(text)
    assert time.monotonic() - started < 2


def test_deeply_nested_json_is_refused_quickly():
    started = time.monotonic()
    with pytest.raises(openapi.DocumentRefused, match="nests too deeply"):
        openapi.parse_openapi("[" * 4_000_000)
    with pytest.raises(openapi.DocumentRefused, match="nests deeper than 64 levels"):
        openapi.parse_openapi('{"openapi": "3.0.0", "x": ' + "[" * 500 + "]" * 500 + "}")
    assert time.monotonic() - started < 2


def test_a_few_anchors_and_aliases_are_fine():
    text = "openapi: 3.0.0\ninfo: {title: T}\nx-common: &common {type: http, scheme: basic}\n" \
           "components:\n  securitySchemes:\n    One: *common\n    Two: {<<: *common}\n"
    assert [scheme.auth_type for scheme in openapi.security_schemes(openapi.parse_openapi(text))] == ["basic"] * 2


# --- the mapping rules ---------------------------------------------------------------------

def schemes_of(schemes, **fields):
    return {scheme.name: scheme for scheme in openapi.security_schemes(openapi3(schemes, **fields))}


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
    ({"type": "http", "scheme": "digest"}, "HTTP “digest” authentication is not supported"),
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


def test_api_key_name_comes_from_a_short_description_and_bearer_notes_its_format():
    schemes = schemes_of({
        "k": {"type": "apiKey", "in": "query", "name": "token", "description": "Your **API** token"},
        "long": {"type": "apiKey", "in": "header", "name": "X-K", "description": "word " * 30},
        "_b": {"type": "http", "scheme": "Bearer", "bearerFormat": "JWT"}})
    assert schemes["k"].config["parameters"][0] == {"name": "Your API token", "key": "token", "location": "query"}
    assert schemes["long"].config["parameters"][0]["name"] == "long"
    assert schemes["_b"].note == "Bearer format: JWT." and schemes["_b"].auth_type == "bearer"


def test_scope_names_are_cleaned_to_100_characters():
    scopes = {"a": "**Read** [all](https://x.example.com) " + "data " * 40, "b": "", "with space": "skipped"}
    found = schemes_of({"o": {"type": "oauth2", "flows": {"clientCredentials": {
        "tokenUrl": "https://x.example.com/t", "scopes": scopes}}}})["o"].scopes
    assert [scope["value"] for scope in found] == ["a", "b"]
    assert found[0]["name"].startswith("Read all data data") and len(found[0]["name"]) <= 100
    assert found[0]["name"].endswith("...") and found[1]["name"] == "b"


@pytest.mark.parametrize("title,name", [
    ("Netlify's API (v1.2) — “beta”", "Netlifys API v1 2 - beta"),
    ("  ### ¿Qué API? ", "Qué API"),
    ("A" * 30 + " " + "B" * 30, "A" * 30),
    ("???", openapi.FALLBACK_NAME),
    (2024, "2024"),  # an unquoted YAML title is read as a number
    (None, openapi.FALLBACK_NAME),
])
def test_names_follow_the_builder_rules(title, name):
    assert openapi.connector_document_from(openapi3({"b": {"type": "http", "scheme": "basic"}},
                                                    info={"title": title}), "b")["connector"]["name"] == name


def test_descriptions_lose_markdown_and_html():
    text = ("# Title\n\nUse the **[dashboard](https://x.example.com)** to get a `key`; it's <b>free</b>!\n\n"
            "```\ncurl -H 'X: y'\n```\n- one\n- two ![logo](https://x.example.com/l.png)")
    assert openapi.clean_description(text) == "Use the dashboard to get a key, its free ! one two"


def test_random_text_always_passes_the_builder_validators():
    generator = random.Random(20240601)
    alphabet = "aZ09 _-*@/\\!:|&~+,.()<>[]{}#`'\"é漢\n\t—;?%$^=" + "".join(chr(c) for c in range(0x2000, 0x2010))
    for _ in range(300):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 400)))
        name, description = openapi.clean_name(text), openapi.clean_description(text)
        assert len(name) <= 50 and len(description) <= 255
        try:
            if name:
                connector_name_validator(name)
            description_validator(description)
        except ValidationError:
            pytest.fail(f"{text!r} cleaned to {name!r} / {description!r}")


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
        "refresh_url": "", "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": True, "issuer": base}
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


# --- the page --------------------------------------------------------------------------------

class URLConfWithImportPage:
    """The site's URLs with the import page among the builder's, for as long as builder/urls.py lacks it."""

    urlpatterns = [pattern for pattern in site_urls.urlpatterns
                   if not (isinstance(pattern, URLResolver) and pattern.app_name == "builder")] + [
        path("connectors/", include(([*builder_urls.urlpatterns, path(
            "import/openapi/", OpenAPIImportView.as_view(), name="openapi_import")], "builder")))]


@pytest.fixture
def import_url(settings):
    try:
        return reverse("builder:openapi_import")
    except NoReverseMatch:
        settings.ROOT_URLCONF = URLConfWithImportPage
        return reverse("builder:openapi_import")


def upload(name, content=None):
    return SimpleUploadedFile(name, sample(name) if content is None else content)


@pytest.mark.django_db
def test_only_builders_see_the_page(client, end_user, import_url):
    assert client.get(import_url).status_code == 302
    client.force_login(end_user)
    assert client.get(import_url).status_code == 403
    assert client.post(import_url, {"file": upload("resend-api.yaml")}).status_code == 403
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_upload_then_choose_creates_a_draft_and_opens_general(builder_client, import_url):
    assert builder_client.get(import_url).status_code == 200
    response = builder_client.post(import_url, {"file": upload("xero-identity.yaml")})
    assert response.status_code == 200
    assert 'value="BasicAuth"' in page(response) and 'value="OAuth2"' in page(response)
    document = response.context["scheme_form"]["document"].value()
    response = builder_client.post(import_url, {"document": document, "scheme": "OAuth2"})
    connector = Connector.objects.get()
    assert response.status_code == 302 and response.url == reverse("builder:general", args=[connector.pk])
    assert (connector.name, connector.auth_type, connector.stage) == (
        "Xero OAuth 2 Identity Service API", "oauth2", Stage.DRAFT)
    assert Scope.objects.filter(connector=connector).count() == 3
    assert connector.changes.get().action == "created"


@pytest.mark.django_db
def test_pasted_text_lists_refused_schemes_with_their_reasons(builder_client, import_url):
    response = builder_client.post(import_url, {"text": sample("overseerr-api.yaml").decode()})
    assert response.status_code == 200
    assert "Cookies are not supported as an API key location." in page(response)
    assert 'value="cookieAuth"' not in page(response)
    assert 'value="apiKey" id="id_scheme_1" checked' in page(response)  # the only choice, chosen


@pytest.mark.django_db
@pytest.mark.parametrize("data,field,message", [
    ({}, "file", "Upload an OpenAPI document or paste it below."),
    ({"text": '{"name": "x"}'}, "text", "not an OpenAPI 3.x or Swagger 2.0 document"),
    ({"text": "a: [1"}, "text", "neither JSON nor valid YAML"),
    ({"text": BILLION_LAUGHS}, "text", "possible YAML bomb"),
    ({"text": json.dumps(openapi3())}, "text", "declares no security schemes"),
    ({"file": "netlify-api.yaml"}, "file", "None of the document's security schemes can be imported"),
    ({"file": "resend-api.yaml", "text": "openapi: 3.0.0"}, "text", "Upload a file or paste a document, not both."),
])
def test_refused_documents_get_a_400_and_a_message_at_the_field(builder_client, import_url, data, field, message):
    if "file" in data:
        data = {**data, "file": upload(data["file"])}
    response = builder_client.post(import_url, data)
    assert response.status_code == 400
    assert message in field_error(response, field)
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_a_document_near_5_mb_goes_through_both_steps_with_browser_line_breaks(builder_client, import_url):
    lines = ["openapi: 3.0.0", "info: {title: Big}", "components:", "  securitySchemes:",
             "    b: {type: http, scheme: basic}", "x-padding:"] + [f"  - {'p' * 90}"] * 52_500
    text = "\r\n".join(lines)  # as a browser posts a textarea: 5.1 MB with CRLF, 4.9 MB as typed
    assert len(text) > openapi.MAX_DOCUMENT_BYTES > len(text.replace("\r\n", "\n"))
    response = builder_client.post(import_url, {"text": text})
    assert response.status_code == 200
    document = response.context["scheme_form"]["document"].value()
    assert len(document) < 1000  # the page carries what the import reads, not the padding
    response = builder_client.post(import_url, {"document": document, "scheme": "b"})
    assert response.status_code == 302 and Connector.objects.get().name == "Big"


@pytest.mark.django_db
def test_a_50_mb_upload_is_refused_before_it_is_read(builder_client, import_url):
    response = builder_client.post(import_url, {"file": upload("big.yaml", b"a" * 50_000_000)})
    assert response.status_code == 400
    assert "larger than 5 MB" in field_error(response, "file")
    assert response.context["upload_form"].refusal  # refused from the body's length, no field read


@pytest.mark.django_db
def test_a_file_just_over_5_mb_is_refused_by_its_size(builder_client, import_url):
    response = builder_client.post(import_url, {"file": upload("big.json", b" " * (openapi.MAX_DOCUMENT_BYTES + 1))})
    assert response.status_code == 400 and "larger than 5 MB" in field_error(response, "file")


@pytest.mark.django_db
def test_pasted_text_beyond_the_request_limit_is_refused_at_the_field(builder_client, import_url, settings):
    body = "text=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = builder_client.post(import_url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "larger than 5 MB" in field_error(response, "file")


@pytest.mark.django_db
@pytest.mark.parametrize("scheme,message", [
    (None, "Choose the security scheme to import."),
    ("cookieAuth", "“cookieAuth” cannot be imported: cookies are not supported as an API key location."),
    ("nope", "Choose one of the document's security schemes."),
])
def test_choosing_no_or_a_refused_scheme_is_a_400_at_the_field(builder_client, import_url, scheme, message):
    data = {"document": sample("overseerr-api.yaml").decode(), **({"scheme": scheme} if scheme else {})}
    response = builder_client.post(import_url, data)
    assert response.status_code == 400 and message in field_error(response, "scheme")
    assert not Connector.objects.exists()


@pytest.mark.django_db
def test_a_tampered_document_in_step_two_is_refused(builder_client, import_url):
    response = builder_client.post(import_url, {"document": "{", "scheme": "x"})
    assert response.status_code == 400 and "not valid JSON" in field_error(response, "file")


@pytest.mark.django_db
def test_the_page_still_checks_csrf(client, builder_user, import_url):
    client.handler.enforce_csrf_checks = True
    client.force_login(builder_user)
    assert client.post(import_url, {"text": sample("resend-api.yaml").decode()}).status_code == 403
    token = client.get(import_url).context["csrf_token"]
    response = client.post(import_url, {"csrfmiddlewaretoken": str(token), "text": sample("resend-api.yaml").decode()})
    assert response.status_code == 200
