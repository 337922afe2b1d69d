"""Import from OpenAPI: every real vendor's sample document, its schemes written down by hand."""

import csv
import json

import pytest

from builder import openapi
from builder.models import Stage
from tests.builder.openapi_helpers import SAMPLES, mapped, sample


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
        "method": "GET", "url": "/auth/me"}  # relative to a placeholder Base URL (localhost)
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False  # production: an http:// test URL is not offered
    assert openapi.connector_document_from(spec, "apiKey")["connector"]["test_request"] is None
    spec["servers"] = [{"url": "https://api.example.com/v1\x00"}]  # nor one the builder's field refuses
    assert openapi.connector_document_from(spec, "apiKey")["connector"]["test_request"] is None
    spec["servers"] = [{"url": "https://api.zylker.com/v1"}]
    assert openapi.connector_document_from(spec, "apiKey")["connector"]["test_request"]["url"] == \
        "https://api.zylker.com/v1/auth/me"


@pytest.mark.parametrize("name", ["adyen-binlookup-v54.json", "hubspot-crm-contacts-2026-03.json"])
def test_several_importable_schemes_need_a_choice(name, builder_user):
    with pytest.raises(openapi.SchemeChoiceError, match="choose one of") as raised:
        openapi.import_openapi(sample(name), user=builder_user)
    assert raised.value.choices == [s for s, e in EXPECTED[name][1].items() if e and e[0] != "refused"]


@pytest.mark.django_db
def test_the_only_importable_scheme_is_used_without_a_choice(builder_user):
    connector = openapi.import_openapi(sample("overseerr-api.yaml"), user=builder_user)
    assert connector.config["parameters"][0]["key"] == "X-Api-Key"
    # Overseerr's server is {server}/api/v1, default http://localhost:5055: a placeholder, said so, and the
    # test request is a path, so entering the real Base URL fixes both.
    assert (connector.base_url, connector.test_url) == ("http://localhost:5055/api/v1", "/auth/me")
    spec = openapi.parse_openapi(sample("overseerr-api.yaml"))
    assert openapi.server_warnings(spec) == [
        "The document's server URL http://localhost:5055/api/v1 has a placeholder host (it comes from the server "
        "variable {server}, whose default is only an example): it is the connector's Base URL until you enter your "
        "API's real one in Security."]


def test_a_document_with_nothing_importable_says_why(builder_user):
    with pytest.raises(openapi.SchemeChoiceError, match="None of the document's security schemes can be "
                       r"imported \(netlifyAuth: the implicit flow"):
        openapi.import_openapi(sample("netlify-api.yaml"), user=builder_user)
