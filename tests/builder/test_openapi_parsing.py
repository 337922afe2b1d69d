"""Import from OpenAPI: documents that are refused, YAML bombs and deep nesting."""

import json

import pytest

from builder import openapi
from builder.openapi import parsing, safe_yaml
from tests.builder.openapi_helpers import BILLION_LAUGHS, MERGE_BOMB, openapi3


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


def _never(*args, **kwargs):
    raise AssertionError("the text was parsed")


@pytest.mark.parametrize("payload", [b"{" + b" " * 50_000_000 + b"}", "x" * 50_000_000, "é" * 2_600_000])
def test_larger_than_5_mb_is_refused_before_parsing(monkeypatch, payload):
    monkeypatch.setattr(parsing, "_load", _never)
    with pytest.raises(openapi.DocumentRefused, match="larger than 5 MB, the most the OpenAPI importer reads"):
        openapi.parse_openapi(payload)


def counting(loader):
    """Return a subclass of the YAML loader that counts the nodes it composes and the documents it builds."""

    class Counting(loader):
        composed = built = 0

        def compose_node(self, parent, index):
            type(self).composed += 1
            return super().compose_node(parent, index)

        def construct_document(self, node):
            type(self).built += 1
            return super().construct_document(node)

    return Counting


@pytest.mark.parametrize("loader", sorted({safe_yaml._LOADER, safe_yaml._PythonLoader}, key=lambda c: c.__name__))
@pytest.mark.parametrize("text,message", [
    (BILLION_LAUGHS, "possible YAML bomb"),
    (MERGE_BOMB, "possible YAML bomb"),
    ("a: &a [1, *a]\n", "recursive alias"),
    ("key: " + "[" * 1_000_000, "nest"),  # libyaml's scanner may stop it first (at 1000 levels)
    ("".join(f"{'  ' * depth}k:\n" for depth in range(200)), "nests deeper than 64 levels"),
])
def test_yaml_bombs_and_deep_nesting_are_refused_before_anything_is_built(monkeypatch, loader, text, message):
    """Refused while composing: no value is built, and only the nodes the text spells out are composed
    (a billion laughs stands for 10^9 values; a nesting bomb stops at the 65th level)."""
    monkeypatch.setattr(safe_yaml, "_LOADER", counting(loader))
    with pytest.raises(openapi.DocumentRefused, match=message):
        openapi.parse_openapi(text)
    assert safe_yaml._LOADER.built == 0
    assert safe_yaml._LOADER.composed <= 200


def test_deeply_nested_json_is_refused_without_trying_yaml(monkeypatch):
    monkeypatch.setattr(safe_yaml, "_LOADER", _never)  # Python's JSON parser stops at its recursion limit
    with pytest.raises(openapi.DocumentRefused, match="nests too deeply"):
        openapi.parse_openapi("[" * 4_000_000)
    with pytest.raises(openapi.DocumentRefused, match="nests deeper than 64 levels"):
        openapi.parse_openapi('{"openapi": "3.0.0", "x": ' + "[" * 500 + "]" * 500 + "}")


def test_a_few_anchors_and_aliases_are_fine():
    text = "openapi: 3.0.0\ninfo: {title: T}\nx-common: &common {type: http, scheme: basic}\n" \
           "components:\n  securitySchemes:\n    One: *common\n    Two: {<<: *common}\n"
    assert [scheme.auth_type for scheme in openapi.security_schemes(openapi.parse_openapi(text))] == ["basic"] * 2


@pytest.mark.parametrize("loader", sorted({safe_yaml._LOADER, safe_yaml._PythonLoader}, key=lambda c: c.__name__))
@pytest.mark.parametrize("text,path", [
    ("openapi: 3.0.0\ncomponents:\n  securitySchemes:\n    key: {type: http}\n    key: {type: apiKey}\n",
     "$.components.securitySchemes.key"),
    ("openapi: 3.0.0\nx-list: [1, {b: 1, b: 2}]\n", '$["x-list"][1].b'),
    ("openapi: 3.0.0\npaths:\n  /me:\n    get: {}\n    get: {}\n", '$.paths["/me"].get'),
    ('{"openapi": "3.0.0", "paths": {"/me": {"get": {}, "get": {}}}}', '$.paths["/me"].get'),
    ('{"openapi": "3.0.0", "info": {}, "info": {}}', "$.info"),
])
def test_a_key_stated_twice_is_refused_with_its_json_path(monkeypatch, loader, text, path):
    monkeypatch.setattr(safe_yaml, "_LOADER", loader)
    with pytest.raises(openapi.DocumentRefused) as raised:
        openapi.parse_openapi(text)
    assert str(raised.value).startswith(f"The key at {path} appears twice in its object")


@pytest.mark.parametrize("loader", sorted({safe_yaml._LOADER, safe_yaml._PythonLoader}, key=lambda c: c.__name__))
def test_a_merge_key_may_be_overridden(monkeypatch, loader):
    monkeypatch.setattr(safe_yaml, "_LOADER", loader)
    text = "openapi: 3.0.0\nbase: &base {type: http, scheme: basic}\nother: {<<: *base, scheme: bearer}\n"
    assert openapi.parse_openapi(text)["other"] == {"type": "http", "scheme": "bearer"}
