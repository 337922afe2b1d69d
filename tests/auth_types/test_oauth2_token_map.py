"""The token response mapping on answers as providers shape them (no network: token_credentials on a response)."""

import datetime

import pytest
import requests

from auth_types import registry
from auth_types.base import ProviderUnavailable
from auth_types.oauth2 import OAuth2ConfigForm
from auth_types.oauth2_token_map import TokenMap
from auth_types.oauth_tokens import MAX_EXPIRES_IN, token_credentials
from tests.examples import example

NOW = 1_800_000_000.0


def answer(body):
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/json"
    import json
    response._content = json.dumps(body).encode()
    return response


def credentials(body, **mapping):
    return token_credentials(answer(body), url="https://p.example/token", requested_scope="r", expiry_seconds=60,
                             now=NOW, token_map=TokenMap(**mapping))


@pytest.mark.parametrize("expires,lifetime", [
    (NOW + 900, 900), (str(int(NOW + 900)), 900), ((NOW + 900) * 1000, 900),
    (datetime.datetime.fromtimestamp(NOW + 900, datetime.timezone.utc).isoformat(), 900),
    (datetime.datetime.fromtimestamp(NOW + 900, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), 900),
    (datetime.datetime.utcfromtimestamp(NOW + 900).strftime("%Y-%m-%d %H:%M:%S"), 900),  # no zone: UTC
    (NOW - 10, 60), ("soon", 60), (None, 60), (True, 60), (NOW + 100 * MAX_EXPIRES_IN, MAX_EXPIRES_IN),
])
def test_an_absolute_expiry(expires, lifetime):
    got = credentials({"data": {"token": "t", "expires_at": expires}}, access_token="data.token",
                      expiry="data.expires_at", expiry_format="timestamp")
    assert got["expires_at"] == pytest.approx(NOW + lifetime)


def test_nested_paths_lists_and_the_fields_beside_the_token():
    body = {"result": [{"auth": {"access_token": "at", "token_type": "bearer", "scope": "a b", "ttl": "120",
                                 "refresh": {"value": "rt"}}}], "access_token": "decoy", "scope": "decoy"}
    got = credentials(body, access_token="result.0.auth.access_token", refresh_token="result.0.auth.refresh.value",
                      expiry="result.0.auth.ttl")
    assert (got["access_token"], got["refresh_token"], got["token_type"], got["scope"]) == ("at", "rt", "bearer", "a b")
    assert got["expires_at"] == NOW + 120


def test_the_standard_answer_needs_no_mapping():
    got = credentials({"access_token": "at", "expires_in": 30, "refresh_token": "rt"})
    assert (got["access_token"], got["refresh_token"], got["expires_at"]) == ("at", "rt", NOW + 30)


@pytest.mark.parametrize("body", [{"data": {"access_token": 5}}, {"data": "x"}, {"data": []}, {}])
def test_no_token_at_the_path(body):
    with pytest.raises(ProviderUnavailable, match="without an access token at data.access_token"):
        credentials(body, access_token="data.access_token")


@pytest.mark.parametrize("path", ["data..token", "data token", "data/token", ".token"])
def test_a_bad_path_is_refused_in_security(path):
    form = OAuth2ConfigForm.from_stored({**example("oauth2").config, "access_token_field": path},
                                       example("oauth2").client)
    assert not form.is_valid() and "access_token_field" in form.errors


def test_left_empty_a_path_is_the_standard_one():
    form = OAuth2ConfigForm.from_stored({**example("oauth2").config, "access_token_field": "", "expiry_format": ""},
                                       example("oauth2").client)
    assert form.is_valid()
    assert form.config()["access_token_field"] == "access_token" and form.config()["expiry_format"] == "seconds"


def test_schema_lets_a_document_leave_them_out():
    schema = registry.get("oauth2").config_schema()
    assert schema["properties"]["expiry_format"] == {"enum": ["seconds", "timestamp"]}
    assert not {"access_token_field", "expiry_field", "expiry_format"} & set(schema.get("required", []))
