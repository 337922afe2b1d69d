"""OAuth2's seams: a client-authentication strategy drops into the table, and another grant reuses
the token request helper without subclassing OAuth2 (as a JWT bearer type will).

The Recorder (oauth2_helpers) is a plain server on 127.0.0.1 that shows what went over the wire.
"""

import base64

import pytest

from auth_types import oauth2_client_auth, oauth2_flows, oauth_tokens, registry
from auth_types.base import GrantInvalid, ProviderUnavailable
from tests.examples import example

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION = "eyJhbGciOiJSUzI1NiJ9.assertion-canary.signature"


def config(recorder, **changes):
    return {**example("oauth2").config, "token_url": recorder.url, "client_id": "machine", **changes}


CLIENT = {"client_secret": "client-secret-canary"}


class AssertionHeader:
    """A strategy made up for the test: the client proves itself in a header of its own."""

    key = "zz_assertion_header"
    label = "Send a client assertion header"
    uses_client_secret = False

    def send_kwargs(self, config, client, data, *, endpoint):
        return {"headers": {"X-Client-Assertion": f"{config['client_id']}@{endpoint}"}}

    def secret_values(self, config, client):
        return []


def test_a_new_client_authentication_strategy_drops_into_the_table(recorder, monkeypatch):
    monkeypatch.setitem(oauth2_client_auth.STRATEGIES, AssertionHeader.key, AssertionHeader())
    form_field = registry.get("oauth2").config_form(prefix="oauth2").fields["client_auth"]
    assert (AssertionHeader.key, AssertionHeader.label) in form_field.choices

    credentials = oauth2_flows.client_credentials(config(recorder, client_auth=AssertionHeader.key), {}, "read")
    assert credentials["access_token"] == "recorded-access"
    [request] = recorder.received
    assert request["headers"]["X-Client-Assertion"] == f"machine@{recorder.url}"
    assert "Authorization" not in request["headers"] and "client_secret" not in recorder.form()


@pytest.mark.parametrize("client_auth, in_header, in_body", [
    ("client_secret_basic", True, False), ("client_secret_post", False, True), ("", True, False)])
def test_the_secret_strategies_send_the_client_one_way_only(recorder, client_auth, in_header, in_body):
    oauth2_flows.client_credentials(config(recorder, client_auth=client_auth), CLIENT, "")
    request, form = recorder.received[0], recorder.form()
    basic = "Basic " + base64.b64encode(b"machine:client-secret-canary").decode()
    assert (request["headers"].get("Authorization") == basic) is in_header
    assert (form.get("client_id"), form.get("client_secret")) == (
        ("machine", "client-secret-canary") if in_body else (None, None))


def test_another_grant_reuses_the_token_request_without_subclassing(recorder):
    credentials = oauth2_flows.token_request(
        config(recorder), CLIENT, recorder.url, {"grant_type": JWT_BEARER, "assertion": ASSERTION},
        requested_scope="read", hidden=[ASSERTION])
    assert credentials["access_token"] == "recorded-access" and credentials["scope"] == "read"
    assert recorder.form() == {"grant_type": JWT_BEARER, "assertion": ASSERTION}
    assert recorder.received[0]["headers"]["Authorization"].startswith("Basic ")


def test_its_refusal_never_quotes_what_was_sent(recorder):
    recorder.answer = {"error": "invalid_grant",
                       "error_description": f"bad assertion {ASSERTION} for client-secret-canary"}
    with pytest.raises(GrantInvalid) as refused:
        oauth2_flows.token_request(config(recorder), CLIENT, recorder.url,
                                   {"grant_type": JWT_BEARER, "assertion": ASSERTION}, requested_scope="",
                                   hidden=[ASSERTION])
    assert "invalid_grant" in str(refused.value)
    assert ASSERTION not in str(refused.value) and "client-secret-canary" not in str(refused.value)


def test_an_oversized_token_answer_is_provider_unavailable(recorder):
    recorder.answer = {"access_token": "x" * (oauth_tokens.TOKEN_RESPONSE_MAX_BYTES + 1), "token_type": "Bearer"}
    with pytest.raises(ProviderUnavailable, match="larger than 65536 bytes"):
        oauth2_flows.client_credentials(config(recorder), CLIENT, "")


def test_openid_connect_picks_the_first_strategy_of_the_table_the_provider_supports():
    assert oauth2_client_auth.first_supported(["private_key_jwt", "client_secret_post"]) == "client_secret_post"
    assert oauth2_client_auth.first_supported(["client_secret_post", "client_secret_basic"]) == "client_secret_basic"
    assert oauth2_client_auth.first_supported(["tls_client_auth"]) == oauth2_client_auth.DEFAULT
    assert oauth2_client_auth.first_supported(None) == oauth2_client_auth.DEFAULT
