"""Connector documents refused on import: every refusal with its JSON path, and nothing saved."""

import base64
import copy
import io
import json

import jsonschema
import pytest

from auth_types import registry
from builder.documents import FORMAT, MAX_DEPTH, SECRET_IN_DOCUMENT, DocumentInvalid, import_document
from builder.models import Connector, ConnectorChange, Scope

from tests.builder.conftest import CLIENT_SECRET
from tests.builder.documents_helpers import document, with_config

pytestmark = pytest.mark.django_db


def refusal(data):
    """Return the problems import_document reports, and check that nothing was saved."""
    before = (Connector.objects.count(), Scope.objects.count(), ConnectorChange.objects.count())
    with pytest.raises(DocumentInvalid) as caught:
        import_document(data, user=None)
    assert (Connector.objects.count(), Scope.objects.count(), ConnectorChange.objects.count()) == before
    return caught.value.problems


def assert_problem(problems, path, words):
    assert any(at == path and words in message for at, message in problems), problems


# --- refusals, each with its JSON path ------------------------------------------------------

REFUSALS = {
    "not JSON": ("{", "$", "This is not JSON"),
    "not UTF-8": (b'{"a": "\xff"}', "$", "not UTF-8"),
    "duplicate key": ('{"format": 1, "format": 2}', "$.format", "appears twice"),
    "nested duplicate key": ('{"connector": {"config": {"a": 1, "a": 2}}}', "$.connector.config.a", "appears twice"),
    "NaN": ('{"version": NaN}', "$", "This is not JSON"),
    "not an object": ("[1, 2]", "$", "is a JSON object"),
    "wrong format": ({**document(), "format": "something.else"}, "$.format", "not a connector document"),
    "no format": ({"version": 1}, "$.format", "not a connector document"),
    "unknown version": ({**document(), "version": 2}, "$.version", "not version 2"),
    "version true": ({**document(), "version": True}, "$.version", "not version true"),
    "unknown top-level key": ({**document(), "extra": 1}, "$.extra", "Unknown field"),
    "no connector": ({"format": FORMAT, "version": 1}, "$.connector", "required"),
    "unknown auth type": (document(auth_type="oauth2") | {"connector": {**document()["connector"],
                                                                        "auth_type": "no_such_type"}},
                          "$.connector.auth_type", 'Use one of: "basic"'),
    "no name": (document(name=None), "$.connector.name", "This field is required."),
    "name type": (document(name=5), "$.connector.name", "Expected a string."),
    "bad name": (document(name="Zylker#CRM"), "$.connector.name", "Use letters, digits, spaces"),
    "long name": (document(name="x" * 51), "$.connector.name", "at most 50 characters"),
    "bad description": (document(description="<script>"), "$.connector.description", "Use letters"),
    "bad URL in config": (with_config("oauth2", token_url="ftp://example.com/token"),
                          "$.connector.config.token_url", "Enter an absolute URL"),
    "credentials in URL": (with_config("oauth1", token_url="https://u:p@example.com/t"),
                           "$.connector.config.token_url", "credentials"),
    "empty required URL": (with_config("oauth2", token_url=""), "$.connector.config.token_url", "cannot be empty"),
    "missing required URL": (document("oauth1", config={"consumer_key": "ck"}),
                             "$.connector.config.request_token_url", "This field is required."),
    "grant needs authorization URL": (with_config("oauth2", authorization_url=""),
                                      "$.connector.config.authorization_url", "needs an Authorization URL"),
    "expiry type": (with_config("oauth2", expiry_seconds="3600"), "$.connector.config.expiry_seconds",
                    "Expected a whole number."),
    "unknown choice": (with_config("oauth2", client_auth="private_key_jwt"), "$.connector.config.client_auth",
                       "Use one of"),
    "unknown config key": (with_config("bearer", header="X"), "$.connector.config.header", "Unknown field"),
    "api key row": (document("api_key", config={"parameters": [{"name": "Key", "key": "bad key",
                                                                  "location": "header"}]}),
                    "$.connector.config.parameters[0].key", "no spaces"),
    "api key rows clash": (document("api_key", config={"parameters": [
        {"name": "Key", "key": "X-Key", "location": "header"}, {"name": "Key 2", "key": "x-key", "location": "header"}]}),
        "$.connector.config.parameters[1].key", "already used"),
    "api key no rows": (document("api_key", config={"parameters": []}), "$.connector.config.parameters",
                        "at least 1 item"),
    "unknown AWS service": (with_config("aws_sigv4", service="nosuchservice"), "$.connector.config.service",
                            "AWS has no service"),
    "duplicate scope": (document(scopes=[{"name": "A", "value": "read"}, {"name": "B", "value": "write"},
                                         {"name": "C", "value": "read"}]),
                        "$.connector.scopes[2].value", "Duplicate value: $.connector.scopes[0].value"),
    "scope with a space": (document(scopes=[{"name": "A", "value": "read all"}]), "$.connector.scopes[0].value",
                           "no spaces"),
    "scope with the delimiter": (document(scope_delimiter="+", scopes=[{"name": "A", "value": "a+b"}]),
                                 "$.connector.scopes[0].value", "scope delimiter"),
    "scope without value": (document(scopes=[{"name": "A"}]), "$.connector.scopes[0].value", "required"),
    "scopes on a type without them": (document("basic", scopes=[{"name": "A", "value": "a"}]),
                                      "$.connector.scopes", "have no OAuth scopes"),
    "bad delimiter": (document(scope_delimiter=";"), "$.connector.scope_delimiter", "Use one of"),
    "bad test URL": (document(test_request={"method": "GET", "url": "not a url"}), "$.connector.test_request.url",
                     "Give a URL (https://...) or a path"),
    "bad test URL with a scheme": (document(test_request={"method": "GET", "url": "https://a b"}),
                                   "$.connector.test_request.url", "Enter an absolute URL"),
    "test URL off the API origins": (document(base_url="https://api.example.com",
                                              test_request={"method": "GET", "url": "https://b.example.com/me"}),
                                     "$.connector.test_request.url", "another origin"),
    "bad API origin": (document(api_origins=["https://a.example.com/path"]), "$.connector.api_origins",
                       "give only a scheme and a host"),
    "bad test method": (document(test_request={"method": "DELETE", "url": "https://a.example.com"}),
                        "$.connector.test_request.method", "Use one of"),
    "logo not base64": (document(logo_png="not base64!"), "$.connector.logo_png", "not base64"),
    "logo not an image": (document(logo_png=base64.b64encode(b"GIF89a not a png").decode()),
                          "$.connector.logo_png", "Upload a PNG, JPEG or WebP image"),
    "documentation URL http": (document(documentation_url="http://docs.example.com"),
                               "$.connector.documentation_url", "Use an https:// URL."),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refusal_names_the_path(case):
    data, path, words = REFUSALS[case]
    assert_problem(refusal(copy.deepcopy(data)), path, words)


def test_http_url_is_refused_when_insecure_http_is_off(settings):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False
    problems = refusal(with_config("oauth2", token_url="http://api.example.com/token"))
    assert ("$.connector.config.token_url", "Use an https:// URL.") in problems


def test_http_url_is_accepted_when_insecure_http_is_on(settings):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = True
    assert import_document(with_config("oauth2", token_url="http://127.0.0.1:8000/token"), user=None)


def test_a_logo_bomb_is_refused():
    from tests.builder.conftest import bomb_png

    problems = refusal(document(logo_png=base64.b64encode(bomb_png()).decode()))
    assert_problem(problems, "$.connector.logo_png", "decompression bomb")


def test_every_problem_is_reported_at_once_and_nothing_is_saved():
    doc = document(name="Bad#Name", scopes=[{"name": "A", "value": "a b"}],
                   test_request={"method": "GET", "url": "nope"})
    doc["connector"]["config"]["token_url"] = "ftp://x"
    paths = {path for path, _ in refusal(doc)}
    assert {"$.connector.name", "$.connector.config.token_url", "$.connector.scopes[0].value",
            "$.connector.test_request.url"} <= paths


def test_every_schema_error_is_reported():
    doc = document(name=5, description=7, scope_delimiter="x", scopes="all")
    paths = {path for path, _ in refusal(doc)}
    assert {"$.connector.name", "$.connector.description", "$.connector.scope_delimiter",
            "$.connector.scopes"} <= paths


def test_a_secret_in_a_document_is_refused_without_being_repeated():
    problems = refusal(with_config("oauth2", client_secret=CLIENT_SECRET))
    assert ("$.connector.config.client_secret", SECRET_IN_DOCUMENT) in problems
    assert CLIENT_SECRET not in repr(problems)


def test_a_document_over_one_megabyte_is_refused_before_parsing():
    too_big = "{" + " " * (1024 * 1024) + "}"
    assert refusal(too_big) == [("$", "The document is 1.0 MB; the limit is 1 MB.")]
    assert_problem(refusal(too_big.encode()), "$", "the limit is 1 MB")
    big_logo = document(logo_png="A" * (1024 * 1024))
    assert_problem(refusal(big_logo), "$", "the limit is 1 MB")


@pytest.mark.parametrize("text", ["[" * 200_000, '{"a":' * 100_000, "[" * 40 + "]" * 40])
def test_a_nesting_bomb_fails_cleanly(text):
    assert_problem(refusal(text), "$", "nested more than")


def test_deep_nesting_inside_a_valid_document_is_refused():
    doc = document()
    node = doc["connector"]["config"]
    for _ in range(MAX_DEPTH):
        node["x"] = {}
        node = node["x"]
    assert_problem(refusal(doc), "$", "nested more than")


def test_many_problems_are_capped():
    doc = document()
    doc["connector"]["config"].update({f"extra_{index}": 1 for index in range(200)})
    problems = refusal(doc)
    assert len(problems) == 51 and problems[-1][1].startswith("… and")


def test_the_schema_is_valid_and_knows_every_auth_type():
    from builder.document_format import _schema

    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$defs"]["connector"]["properties"]["auth_type"]["enum"] == [k for k, _ in registry.choices()]
    for key, _ in registry.choices():
        assert f"config_{key}" in schema["$defs"]


def test_no_auth_type_is_named_in_the_static_schema_file():
    from builder.document_format import SCHEMA_PATH

    text = SCHEMA_PATH.read_text()
    assert "config_" not in text and "allOf" not in text
    assert not [key for key, _ in registry.choices() if f'"{key}"' in text]


def test_the_connector_schema_command_prints_the_whole_schema(tmp_path):
    from django.core.management import call_command

    from builder.document_format import document_schema

    out = io.StringIO()
    call_command("connector_schema", stdout=out)
    assert json.loads(out.getvalue()) == document_schema()
    call_command("connector_schema", output=str(tmp_path / "schema.json"))
    assert json.loads((tmp_path / "schema.json").read_text()) == document_schema()


def test_schema_problems_and_form_problems_are_reported_together():
    doc = document(name=5, scopes=[{"name": "A", "value": "a b"}])
    doc["connector"]["config"]["token_url"] = "ftp://x"  # the schema accepts a string; the form refuses it
    problems = refusal(doc)
    assert_problem(problems, "$.connector.name", "Expected a string")
    assert_problem(problems, "$.connector.config.token_url", "Enter an absolute URL")
    assert_problem(problems, "$.connector.scopes[0].value", "no spaces")


def test_a_part_the_schema_refused_is_not_checked_again_by_the_forms():
    doc = document(test_request={"method": "GET", "url": 5})
    doc["connector"]["config"]["token_url"] = "ftp://x"
    problems = refusal(doc)
    assert [path for path, _ in problems] == ["$.connector.test_request.url", "$.connector.config.token_url"]
