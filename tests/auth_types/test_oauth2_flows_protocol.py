"""The OAuth2 auth type against a real authorization server (django-oauth-toolkit on 127.0.0.1): the flows.

Begin, complete, what goes over the wire, client credentials, refresh, revoke and the use of
the token; `recorder` (see oauth2_helpers) watches what the server cannot show.
"""

import base64
import datetime
import re
import time
from urllib.parse import quote_plus

import pytest

from auth_types.base import DIRECT, REDIRECT, GrantInvalid, ProviderUnavailable
from auth_types.oauth2_flows import pkce_challenge
from connectors_site import outbound
from tests.auth_types.oauth2_helpers import (
    OAUTH2, REDIRECT_URI, assert_secret_free, authorize, begin_query, cc_client, cc_config, connect,
    machine_token, me, web_client, web_config,
)
from tests.peers.oauth2_server.launcher import start_oauth2_peer



# --- begin(): the authorization URL ---------------------------------------------------------

def test_grant_kind_follows_the_grant_type(provider):
    assert OAUTH2.grant_kind(web_config(provider)) == REDIRECT
    assert OAUTH2.grant_kind(cc_config(provider)) == DIRECT


def test_begin_builds_the_authorization_url(provider):
    url, flow, query = begin_query(web_config(provider))

    assert url.startswith(provider.authorize_url + "?")
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [provider.client_id]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["scope"] == ["read write"]
    assert query["state"] == [flow["state"]] and len(flow["state"]) >= 43
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [pkce_challenge(flow["code_verifier"])]
    assert flow == {"state": flow["state"], "code_verifier": flow["code_verifier"], "redirect_uri": REDIRECT_URI,
                    "scopes": ["read", "write"]}


def test_state_and_verifier_are_new_each_time(provider):
    flows = [begin_query(web_config(provider))[1] for _ in range(5)]

    assert len({flow["state"] for flow in flows}) == 5
    assert len({flow["code_verifier"] for flow in flows}) == 5


@pytest.mark.parametrize("delimiter", [",", " ", "+"])
def test_scope_is_joined_with_the_connectors_delimiter(provider, delimiter):
    _, flow, query = begin_query(web_config(provider, scope_delimiter=delimiter), scopes=("read", "write", "x.y"))

    assert query["scope"] == [f"read{delimiter}write{delimiter}x.y"]
    assert flow["scopes"] == ["read", "write", "x.y"]


def test_no_scope_parameter_without_scopes(provider):
    assert "scope" not in begin_query(web_config(provider), scopes=())[2]


def test_existing_query_parameters_of_the_authorization_url_are_kept(provider):
    config = web_config(provider, authorization_url=provider.authorize_url + "?access_type=offline&prompt=consent"
                                                    "&response_type=token&empty=")

    url, _, query = begin_query(config)

    assert url.startswith(provider.authorize_url + "?access_type=offline&prompt=consent&empty=&")
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"] and query["empty"] == [""]
    assert query["response_type"] == ["code"]  # ours replaces theirs: the flow needs a code


def test_pkce_off_sends_no_challenge_and_keeps_no_verifier(provider):
    _, flow, query = begin_query(web_config(provider, pkce=False))

    assert "code_challenge" not in query and "code_challenge_method" not in query
    assert "code_verifier" not in flow


def test_pkce_challenge_matches_rfc_7636_appendix_b():
    challenge = pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")

    assert challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_pkce_verifier_has_the_length_and_characters_rfc_7636_allows(provider):
    for _ in range(20):
        verifier = begin_query(web_config(provider))[1]["code_verifier"]
        assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", verifier)


def test_callback_state_reads_the_state_parameter():
    assert OAUTH2.callback_state({"state": "abc", "code": "x"}) == "abc"
    assert OAUTH2.callback_state({}) is None


# --- complete(): the authorization code, with the real server -------------------------------

def test_authorization_code_with_pkce_reaches_the_resource(provider):
    before = time.time()
    credentials = connect(provider)

    answer = me(provider, credentials)

    assert answer.status_code == 200
    assert answer.json() == {"user": provider.username, "client_id": provider.client_id, "scope": "read write",
                             "method": "GET"}
    assert set(credentials) == {"access_token", "refresh_token", "token_type", "expires_at", "scope",
                                "requested_scope"}
    assert (credentials["token_type"], credentials["scope"], credentials["requested_scope"]) == \
           ("Bearer", "read write", "read write")
    assert before + 3600 <= credentials["expires_at"] <= time.time() + 3600
    assert OAUTH2.expires_at(credentials) == datetime.datetime.fromtimestamp(credentials["expires_at"],
                                                                             tz=datetime.timezone.utc)
    assert OAUTH2.granted_scopes(credentials) == "read write"


def test_the_server_checks_the_pkce_verifier_a_wrong_one_is_grant_invalid(provider):
    config = web_config(provider)
    flow, params = authorize(provider, config)
    wrong = "x" * 64

    with pytest.raises(GrantInvalid, match="invalid_grant") as caught:
        OAUTH2.complete(config, web_client(provider), flow={**flow, "code_verifier": wrong}, params=params,
                        redirect_uri=REDIRECT_URI)

    assert_secret_free(caught.value, params["code"], wrong, flow["code_verifier"], provider.client_secret)


def test_authorization_code_without_pkce(provider):
    credentials = connect(provider, web_config(provider, pkce=False))

    assert me(provider, credentials).status_code == 200


def test_a_code_is_used_once(provider):
    config = web_config(provider)
    flow, params = authorize(provider, config)
    OAUTH2.complete(config, web_client(provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)

    with pytest.raises(GrantInvalid, match="invalid_grant"):
        OAUTH2.complete(config, web_client(provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)


@pytest.mark.parametrize("client_auth", ["client_secret_basic", "client_secret_post"])
def test_both_client_authentication_methods_are_accepted(provider, client_auth):
    credentials = connect(provider, web_config(provider, client_auth=client_auth))

    assert me(provider, credentials).status_code == 200


# --- what goes over the wire ----------------------------------------------------------------

SPECIAL_SECRET = "a b+c:d/é%&="


def test_basic_client_auth_sends_the_form_encoded_pair_in_the_header_only(provider, recorder):
    config = web_config(provider, token_url=recorder.url, client_id="id:1 +")
    flow = begin_query(config)[1]
    params = {"state": flow["state"], "code": "the-code"}

    OAUTH2.complete(config, {"client_secret": SPECIAL_SECRET}, flow=flow, params=params, redirect_uri=REDIRECT_URI)

    request = recorder.received[0]
    pair = f"{quote_plus('id:1 +')}:{quote_plus(SPECIAL_SECRET)}"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(pair.encode()).decode()
    assert request["headers"]["Accept"] == "application/json"
    assert recorder.form() == {"grant_type": "authorization_code", "code": "the-code", "redirect_uri": REDIRECT_URI,
                               "code_verifier": flow["code_verifier"]}


def test_post_client_auth_sends_id_and_secret_in_the_body_only(provider, recorder):
    config = web_config(provider, token_url=recorder.url, client_auth="client_secret_post", pkce=False)
    flow = begin_query(config)[1]

    OAUTH2.complete(config, {"client_secret": SPECIAL_SECRET}, flow=flow,
                    params={"state": flow["state"], "code": "the-code"}, redirect_uri=REDIRECT_URI)

    request = recorder.received[0]
    assert "Authorization" not in request["headers"]
    assert recorder.form() == {"grant_type": "authorization_code", "code": "the-code", "redirect_uri": REDIRECT_URI,
                               "client_id": provider.client_id, "client_secret": SPECIAL_SECRET}


@pytest.fixture(scope="module")
def special_secret_provider():
    """A second real server whose machine client's secret needs form-encoding in a Basic header."""
    peer = start_oauth2_peer(cc_client_secret=SPECIAL_SECRET)
    yield peer
    peer.stop()


@pytest.mark.parametrize("client_auth", ["client_secret_basic", "client_secret_post"])
def test_the_real_server_accepts_a_secret_with_special_characters(special_secret_provider, client_auth):
    peer = special_secret_provider
    config = cc_config(peer, client_auth=client_auth)

    credentials = OAUTH2.fetch_token(config, {"client_secret": SPECIAL_SECRET}, scopes=["read"])

    assert me(peer, credentials, config).json()["scope"] == "read"


# --- client credentials ---------------------------------------------------------------------

def test_client_credentials_token_reaches_the_resource(provider):
    credentials = machine_token(provider, scopes=["read"])

    answer = me(provider, credentials)

    assert answer.status_code == 200
    assert answer.json()["user"] is None and answer.json()["scope"] == "read"
    assert (credentials["scope"], credentials["requested_scope"]) == ("read", "read")
    assert "refresh_token" not in credentials
    assert OAUTH2.can_refresh(cc_config(provider), credentials)


def test_client_credentials_refresh_fetches_a_new_token_with_the_same_scopes(provider):
    config = cc_config(provider, scope_delimiter=" ")
    first = machine_token(provider, config, scopes=["read"])

    second = OAUTH2.refresh(config, cc_client(provider), first)

    assert second["access_token"] != first["access_token"]
    assert (second["scope"], second["requested_scope"]) == ("read", "read")
    assert me(provider, second).json()["scope"] == "read"


def test_wrong_client_secret_is_grant_invalid_naming_the_client_secret(provider):
    with pytest.raises(GrantInvalid, match="invalid_client.*Client Secret") as caught:
        OAUTH2.fetch_token(cc_config(provider), {"client_secret": "wrong-secret-canary"}, scopes=["read"])

    assert_secret_free(caught.value, "wrong-secret-canary")


# --- refresh --------------------------------------------------------------------------------

def test_refresh_rotates_and_the_old_refresh_token_is_then_grant_invalid(provider):
    config = web_config(provider)
    first = connect(provider, config)

    second = OAUTH2.refresh(config, web_client(provider), first)

    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert (second["scope"], second["requested_scope"]) == ("read write", "read write")
    assert me(provider, second).status_code == 200
    with pytest.raises(GrantInvalid, match="invalid_grant") as caught:
        OAUTH2.refresh(config, web_client(provider), first)
    assert_secret_free(caught.value, first["refresh_token"], first["access_token"], provider.client_secret)


def test_refresh_goes_to_the_refresh_url_when_one_is_set(provider):
    config = web_config(provider, token_url=provider.fault_url("token-500"),
                        refresh_url=provider.fault_url("token-form"))
    first = connect(provider, web_config(provider))

    second = OAUTH2.refresh(config, web_client(provider), first)

    assert second["token_type"] == "bearer"
    assert me(provider, second).status_code == 200


def test_refresh_keeps_a_refresh_token_the_provider_did_not_replace(provider, recorder):
    config = web_config(provider, token_url=recorder.url)
    old = {"access_token": "old-access", "refresh_token": "old-refresh", "token_type": "Bearer", "expires_at": 0.0,
           "scope": "read", "requested_scope": "read write"}

    fresh = OAUTH2.refresh(config, web_client(provider), old)

    assert recorder.form() == {"grant_type": "refresh_token", "refresh_token": "old-refresh"}
    assert fresh["refresh_token"] == "old-refresh"
    assert fresh["access_token"] == "recorded-access"
    # No scope in the answer: what was granted before stays granted.
    assert (fresh["scope"], fresh["requested_scope"]) == ("read", "read write")


def test_code_connection_without_refresh_token_cannot_refresh(provider, recorder):
    config = web_config(provider, token_url=recorder.url)
    credentials = {"access_token": "a", "token_type": "Bearer"}

    assert not OAUTH2.can_refresh(config, credentials)
    with pytest.raises(GrantInvalid, match="no refresh token"):
        OAUTH2.refresh(config, web_client(provider), credentials)
    assert recorder.received == []


def test_invalid_grant_from_the_refresh_endpoint(provider):
    config = web_config(provider, refresh_url=provider.fault_url("invalid-grant"))

    with pytest.raises(GrantInvalid, match=r"invalid_grant: The grant is invalid\."):
        OAUTH2.refresh(config, web_client(provider), {"access_token": "a", "refresh_token": "r-canary"})


# --- revoke ---------------------------------------------------------------------------------

def test_revoke_ends_the_grant_at_the_provider(provider):
    credentials = connect(provider)
    assert me(provider, credentials).status_code == 200

    OAUTH2.revoke(web_config(provider), web_client(provider), credentials)

    assert me(provider, credentials).status_code == 401
    with pytest.raises(GrantInvalid):
        OAUTH2.refresh(web_config(provider), web_client(provider), credentials)


@pytest.mark.parametrize("client_auth", ["client_secret_basic", "client_secret_post"])
def test_revoke_of_an_access_token_without_refresh_token(provider, client_auth):
    config = cc_config(provider, client_auth=client_auth)
    credentials = machine_token(provider, config)

    OAUTH2.revoke(config, cc_client(provider), credentials)

    assert me(provider, credentials).status_code == 401


def test_revoke_of_a_token_the_provider_does_not_know_succeeds(provider):
    OAUTH2.revoke(web_config(provider), web_client(provider), {"access_token": "never-issued"})


@pytest.mark.parametrize("credentials, form", [
    ({"access_token": "a-1", "refresh_token": "r-1"}, {"token": "r-1", "token_type_hint": "refresh_token"}),
    ({"access_token": "a-1"}, {"token": "a-1", "token_type_hint": "access_token"}),
])
def test_revoke_sends_the_refresh_token_if_any_else_the_access_token(provider, recorder, credentials, form):
    OAUTH2.revoke(web_config(provider, revoke_url=recorder.url), {"client_secret": "s3"}, credentials)

    assert recorder.form() == form
    assert recorder.received[0]["headers"]["Authorization"].startswith("Basic ")


def test_without_a_revoke_url_revoke_sends_nothing(provider):
    provider.reset_counts()

    OAUTH2.revoke(web_config(provider, revoke_url=""), web_client(provider), {"access_token": "a"})

    assert provider.counts() == {}


def test_revoke_endpoint_failure_is_provider_unavailable(provider):
    with pytest.raises(ProviderUnavailable, match=r"revocation endpoint .* failed \(HTTP 500\)"):
        OAUTH2.revoke(web_config(provider, revoke_url=provider.fault_url("token-500")), web_client(provider),
                      {"access_token": "a"})


# --- using the token ------------------------------------------------------------------------

def test_auth_sets_the_header_with_the_bearer_name_and_masks_its_repr(provider, recorder):
    credentials = {"access_token": "access-canary"}

    auth = OAUTH2.auth(web_config(provider, bearer_name="OAuth"), credentials)
    outbound.send("GET", recorder.url, auth=auth)

    assert recorder.received[0]["headers"]["Authorization"] == "OAuth access-canary"
    assert "access-canary" not in repr(auth)


def test_secret_values_are_the_tokens_and_the_client_secret(provider):
    credentials = {"access_token": "at", "refresh_token": "rt", "scope": "read"}

    values = OAUTH2.secret_values(web_config(provider), credentials, client={"client_secret": "cs"})

    assert {"at", "rt", "cs"} <= set(values)
    assert OAUTH2.secret_values(web_config(provider), {"access_token": "at"}) == ["at"]


def test_expires_at_is_none_without_an_expiry():
    assert OAUTH2.expires_at({"access_token": "a"}) is None
