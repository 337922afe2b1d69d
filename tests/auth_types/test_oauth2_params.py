"""OAuth2's custom parameter rows and body format in the Security form, documents and the summary."""

import pytest

from auth_types import registry
from auth_types.oauth2 import OAuth2ConfigForm
from auth_types.oauth2_flows import authorization_request
from tests.examples import example


def form(**changes):
    config = {**example("oauth2").config, **changes}
    return OAuth2ConfigForm.from_stored(config, example("oauth2").client)


def posted(**fields):
    config = {**example("oauth2").config, **fields}
    data = {f"oauth2-{name}": value for name, value in config.items() if value is not False}
    return OAuth2ConfigForm(data, prefix="oauth2", stored_config={}, stored_secrets=example("oauth2").client)


def test_rows_typed_as_lines_are_stored_as_a_list():
    bound = posted(authorization_params="access_type=offline\n\n prompt = consent \naudience=https://a.example/x?y=1",
                   token_params="resource=urn:x", token_body="json")
    assert bound.is_valid(), bound.errors
    config = bound.config()
    assert config["authorization_params"] == [{"name": "access_type", "value": "offline"},
                                              {"name": "prompt", "value": "consent"},
                                              {"name": "audience", "value": "https://a.example/x?y=1"}]
    assert config["token_params"] == [{"name": "resource", "value": "urn:x"}] and config["token_body"] == "json"


def test_stored_rows_show_as_lines_again():
    bound = posted(authorization_params="access_type=offline\nprompt=consent")
    assert bound.is_valid()
    unbound = OAuth2ConfigForm(prefix="oauth2", stored_config=bound.config(), stored_secrets={})
    assert "access_type=offline\nprompt=consent" in str(unbound["authorization_params"])


@pytest.mark.parametrize("field,text,message", [
    ("authorization_params", "state=abc", "“state” is set by the OAuth flow itself"),
    ("authorization_params", "redirect_uri=https://evil.example", "set by the OAuth flow itself"),
    ("token_params", "grant_type=password", "set by the OAuth flow itself"),
    ("token_params", "client_secret=x", "set by the OAuth flow itself"),
    ("token_params", "audience=a\naudience=b", "given twice"),
    ("token_params", "no equals sign", "Line 1: write one parameter per line as name=value"),
    ("token_params", "bad name=1", "no spaces"),
    ("authorization_params", "=value", "Line 1"),
])
def test_refusals_name_the_line(field, text, message):
    bound = posted(**{field: text})
    assert not bound.is_valid()
    assert any(message in error for error in bound.errors[field]), bound.errors


def test_a_document_gives_rows_and_a_malformed_row_is_refused():
    assert form(token_params=[{"name": "audience", "value": "x"}]).is_valid()
    bound = form(token_params=[{"name": "audience"}])
    assert not bound.is_valid() and "Line 1" in " ".join(bound.error_list())


def test_stored_configs_without_the_new_fields_stay_valid():
    config = {key: value for key, value in example("oauth2").config.items()
              if key not in ("authorization_params", "token_params", "token_body")}
    assert registry.get("oauth2").problems(config, example("oauth2").client) == []


def test_schema_states_rows_and_formats():
    properties = registry.get("oauth2").config_schema()["properties"]
    assert properties["token_body"] == {"enum": ["form", "json"]}
    assert properties["token_params"]["items"]["required"] == ["name", "value"]
    assert "token_params" not in registry.get("oauth2").config_schema().get("required", [])


def test_authorization_request_keeps_the_protocol_fields():
    config = {**example("oauth2").config, "authorization_params": [{"name": "state", "value": "forged"},
                                                                   {"name": "prompt", "value": "consent"}]}
    url, flow = authorization_request(config, redirect_uri="https://app.example/cb", scopes=["a"])
    assert f"state={flow['state']}" in url and "forged" not in url and "prompt=consent" in url


def test_summary_shows_the_rows():
    summary = dict(registry.get("oauth2").summary({**example("oauth2").config,
                                                   "token_params": [{"name": "audience", "value": "x"}]}, {}))
    assert summary["Token Request Parameters"] == "audience=x"
