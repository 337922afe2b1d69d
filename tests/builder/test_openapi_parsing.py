"""Import from OpenAPI: documents that are refused, YAML bombs and deep nesting."""

import json
import time

import pytest

from builder import openapi
from builder.openapi import safe_yaml
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


@pytest.mark.parametrize("payload", [b"{" + b" " * 50_000_000 + b"}", "x" * 50_000_000, "é" * 2_600_000])
def test_larger_than_5_mb_is_refused_before_parsing(payload):
    started = time.monotonic()
    with pytest.raises(openapi.DocumentRefused, match="larger than 5 MB"):
        openapi.parse_openapi(payload)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("loader", sorted({safe_yaml._LOADER, safe_yaml._PythonLoader}, key=lambda c: c.__name__))
@pytest.mark.parametrize("text,message", [
    (BILLION_LAUGHS, "possible YAML bomb"),
    (MERGE_BOMB, "possible YAML bomb"),
    ("a: &a [1, *a]\n", "recursive alias"),
    ("key: " + "[" * 1_000_000, "nest"),  # libyaml's scanner may stop it first (at 1000 levels)
    ("".join(f"{'  ' * depth}k:\n" for depth in range(200)), "nests deeper than 64 levels"),
])
def test_yaml_bombs_and_deep_nesting_are_refused_quickly(monkeypatch, loader, text, message):
    monkeypatch.setattr(safe_yaml, "_LOADER", loader)
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
