"""The OAuth2 auth type against a real authorization server (django-oauth-toolkit on 127.0.0.1): faults.

Callbacks that are refused, a token endpoint that misbehaves, and token responses as providers
bend them; `recorder` (see oauth2_helpers) shows that nothing was sent where nothing may go.
"""

import time

import pytest

from auth_types.base import AuthorizationDenied, GrantInvalid, ProviderUnavailable
from auth_types.oauth2 import OAuth2
from tests.auth_types.oauth2_helpers import (
    OAUTH2, REDIRECT_URI, assert_secret_free, authorize, begin_query, cc_client, cc_config, connect,
    machine_token, me, web_client, web_config,
)



# --- callbacks that are refused: declined, an error, another state or issuer ----------------------

def test_declined_consent_is_authorization_denied(provider):
    config = web_config(provider)
    flow, params = authorize(provider, config, allow=False)

    with pytest.raises(AuthorizationDenied, match=r"^You \(or the provider\) declined the authorization "
                                                  r"\(access_denied"):
        OAUTH2.complete(config, web_client(provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)


def test_other_callback_errors_quote_the_provider_cut_short(provider):
    flow = begin_query(web_config(provider))[1]
    params = {"state": flow["state"], "error": "invalid_scope", "error_description": "Unknown scope x. " * 40}

    with pytest.raises(AuthorizationDenied) as caught:
        OAUTH2.complete(web_config(provider), web_client(provider), flow=flow, params=params,
                        redirect_uri=REDIRECT_URI)

    message = str(caught.value)
    assert message.startswith("The provider did not grant the authorization (invalid_scope: Unknown scope x.")
    assert len(message) <= 300


@pytest.mark.parametrize("params, words", [
    ({"code": ""}, "sent no authorization code"),
    ({}, "sent no authorization code"),
    ({"code": "c", "state": "forged"}, "does not belong to this authorization"),
    ({"code": "c", "state": "é"}, "does not belong to this authorization"),
])
def test_a_callback_without_code_or_with_another_state_is_refused(provider, recorder, params, words):
    config = web_config(provider, token_url=recorder.url)
    flow = begin_query(config)[1]
    params = {"state": flow["state"], **params}

    with pytest.raises(AuthorizationDenied, match=words):
        OAUTH2.complete(config, web_client(provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)

    assert recorder.received == []


@pytest.mark.parametrize("iss, require_iss", [(None, True), ("https://evil.example", False),
                                              ("https://evil.example", True)])
def test_with_an_issuer_configured_the_callback_must_name_it(provider, recorder, iss, require_iss):
    """A missing iss is refused only when the connector says the server always sends one."""
    config = web_config(provider, token_url=recorder.url, issuer=provider.base_url, require_iss=require_iss)
    flow = begin_query(config)[1]
    params = {"state": flow["state"], "code": "c", **({"iss": iss} if iss else {})}

    with pytest.raises(AuthorizationDenied, match="expected authorization server"):
        OAUTH2.complete(config, web_client(provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)

    assert recorder.received == []


def test_without_iss_an_issuer_not_said_to_send_it_lets_the_code_through(provider):
    config = web_config(provider, issuer=provider.base_url)
    flow, params = authorize(provider, config)
    params.pop("iss", None)

    credentials = OAUTH2.complete(config, web_client(provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)

    assert me(provider, credentials).status_code == 200


def test_matching_issuer_or_same_origin_iss_lets_the_code_through(provider):
    config = web_config(provider, issuer=provider.base_url)
    flow, params = authorize(provider, config)

    credentials = OAUTH2.complete(config, web_client(provider), flow=flow, params={**params, "iss": provider.base_url},
                                  redirect_uri=REDIRECT_URI)
    assert me(provider, credentials).status_code == 200

    config = web_config(provider)
    flow, params = authorize(provider, config)
    credentials = OAUTH2.complete(config, web_client(provider), flow=flow,
                                  params={**params, "iss": provider.base_url + "/"}, redirect_uri=REDIRECT_URI)
    assert me(provider, credentials).status_code == 200


def test_without_a_configured_issuer_an_iss_of_another_origin_is_refused(provider, recorder):
    config = web_config(provider, token_url=recorder.url)
    flow = begin_query(config)[1]
    with pytest.raises(AuthorizationDenied, match="expected authorization server"):
        OAUTH2.complete(config, web_client(provider), flow=flow,
                        params={"state": flow["state"], "code": "c", "iss": "https://x"}, redirect_uri=REDIRECT_URI)
    assert recorder.received == []

# --- a token endpoint that misbehaves -------------------------------------------------------

def test_token_endpoint_500_is_provider_unavailable(provider):
    with pytest.raises(ProviderUnavailable, match="failed \\(HTTP 500\\). Try again later.") as caught:
        machine_token(provider, cc_config(provider, token_url=provider.fault_url("token-500")))

    assert_secret_free(caught.value, provider.cc_client_secret)


def test_slow_token_endpoint_times_out_as_provider_unavailable(provider):
    impatient = OAuth2()
    impatient.token_timeout = (2, 0.5)
    config = cc_config(provider, token_url=provider.fault_url("token-slow", seconds="3"))
    started = time.monotonic()

    with pytest.raises(ProviderUnavailable, match="could not be reached.*Try again later"):
        impatient.fetch_token(config, cc_client(provider), scopes=["read"])

    assert time.monotonic() - started < 2


def test_garbage_from_the_token_endpoint_is_provider_unavailable(provider):
    with pytest.raises(ProviderUnavailable, match="without an access token"):
        machine_token(provider, cc_config(provider, token_url=provider.fault_url("token-garbage")))


def test_a_redirect_from_the_token_endpoint_is_not_followed(provider, recorder):
    provider.reset_counts()
    config = cc_config(provider, token_url=provider.fault_url("token-redirect", to=recorder.url))

    with pytest.raises(ProviderUnavailable, match=r"redirect \(HTTP 307\), which is not followed"):
        machine_token(provider, config)

    assert recorder.received == []
    assert provider.counts() == {"/faults/token-redirect/": 1}


def test_a_redirect_during_refresh_or_revoke_is_not_followed(provider, recorder):
    config = web_config(provider, refresh_url=provider.fault_url("token-redirect", to=recorder.url),
                        revoke_url=provider.fault_url("token-redirect", to=recorder.url))
    credentials = {"access_token": "a-canary", "refresh_token": "r-canary"}

    with pytest.raises(ProviderUnavailable, match="HTTP 307"):
        OAUTH2.refresh(config, web_client(provider), credentials)
    with pytest.raises(ProviderUnavailable, match="HTTP 307"):
        OAUTH2.revoke(config, web_client(provider), credentials)

    assert recorder.received == []


def test_invalid_grant_from_the_token_endpoint_is_grant_invalid(provider):
    with pytest.raises(GrantInvalid, match="invalid_grant"):
        machine_token(provider, cc_config(provider, token_url=provider.fault_url("invalid-grant")))


def test_unreachable_token_endpoint_is_provider_unavailable(provider):
    with pytest.raises(ProviderUnavailable, match=r"could not be reached: Could not connect to http://127.0.0.1:9"):
        machine_token(provider, cc_config(provider, token_url="http://127.0.0.1:9/token"))


def test_plain_http_token_endpoint_is_refused_unless_allowed(provider, settings):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False

    with pytest.raises(ProviderUnavailable, match="only https:// URLs may be called"):
        machine_token(provider)


# --- token responses as providers bend them -------------------------------------------------

def test_form_encoded_token_response(provider):
    credentials = machine_token(provider, cc_config(provider, token_url=provider.fault_url("token-form")))

    assert (credentials["token_type"], credentials["scope"]) == ("bearer", "read write")
    assert me(provider, credentials).status_code == 200


def test_form_encoded_token_response_in_the_code_flow(provider):
    credentials = connect(provider, web_config(provider, token_url=provider.fault_url("token-form")))

    assert credentials["refresh_token"]
    assert me(provider, credentials).status_code == 200


@pytest.mark.parametrize("quirk, expected", [
    ({"expires_in": "string"}, {"expires_in": 3600}),
    ({"expires_in": "missing"}, {"expires_in": 1234}),
    ({"token_type": "missing"}, {"token_type": "Bearer"}),
    ({"token_type": "lower"}, {"token_type": "bearer"}),
], ids=["expires_in-string", "expires_in-missing", "token_type-missing", "token_type-lower"])
def test_quirky_token_responses_give_a_working_token(provider, quirk, expected):
    config = cc_config(provider, token_url=provider.fault_url("token-quirks", **quirk), expiry_seconds=1234)
    before = time.time()

    credentials = machine_token(provider, config)

    if "expires_in" in expected:
        assert before + expected["expires_in"] <= credentials["expires_at"] <= time.time() + expected["expires_in"]
    else:
        assert credentials["token_type"] == expected["token_type"]
    assert me(provider, credentials).status_code == 200


def test_granted_scope_narrower_than_requested_is_what_is_stored(provider):
    config = cc_config(provider, token_url=provider.fault_url("token-quirks", scope="granted-differs"))

    credentials = machine_token(provider, config, scopes=["read", "write"])

    assert (credentials["scope"], credentials["requested_scope"]) == ("read", "read write")
    assert OAUTH2.granted_scopes(credentials) == "read"
    assert me(provider, credentials).json()["scope"] == "read"


def test_nested_token_response_is_not_unwrapped(provider):
    config = cc_config(provider, token_url=provider.fault_url("token-quirks", nest="data"))

    with pytest.raises(ProviderUnavailable, match="without an access token"):
        machine_token(provider, config)
