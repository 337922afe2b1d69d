"""Prove the OAuth peers behave like real providers, with plain requests / requests_oauthlib."""

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, SIGNATURE_PLAINTEXT, Client
from requests_oauthlib import OAuth1, OAuth1Session, OAuth2Session

from tests.peers.oauth2_server.launcher import start_oauth2_peer
from tests.peers.oauth_fixtures import approve_oauth2_consent

REDIRECT_URI = "http://127.0.0.1:1/oauth/callback"


@pytest.fixture(autouse=True)
def _http_allowed(monkeypatch):
    # requests_oauthlib refuses http:// token URLs otherwise; the peers speak http on loopback.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def provider(oauth2_provider):
    oauth2_provider.set_redirect_uris(REDIRECT_URI)
    return oauth2_provider


def authorization_code(provider, *, pkce="S256", scope=("read", "write")):
    """Return the OAuth2Session that asked and the code the peer sent back to the redirect URI."""
    session = OAuth2Session(provider.client_id, redirect_uri=REDIRECT_URI, scope=list(scope), pkce=pkce)
    url, state = session.authorization_url(provider.authorize_url)
    callback = approve_oauth2_consent(provider, url)
    assert callback.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlsplit(callback).query)
    assert query["state"] == [state]
    return session, query["code"][0]


def fetch_token(provider, **kwargs):
    session, code = authorization_code(provider, **kwargs)
    token = session.fetch_token(provider.token_url, code=code, client_secret=provider.client_secret,
                                include_client_id=True)
    return session, token


def client_credentials(provider, **kwargs):
    return requests.post(provider.token_url, data={"grant_type": "client_credentials", **kwargs},
                         auth=(provider.cc_client_id, provider.cc_client_secret), timeout=10)


def me(provider, access_token):
    return requests.get(provider.resource_url, headers={"Authorization": f"Bearer {access_token}"}, timeout=10)


# OAuth2: the authorization code journey


def test_authorization_code_with_pkce_reaches_the_resource(provider):
    _, token = fetch_token(provider)

    answer = me(provider, token["access_token"])

    assert answer.status_code == 200
    assert answer.json() == {"user": provider.username, "client_id": provider.client_id, "scope": "read write",
                             "method": "GET"}


def test_code_without_pkce_is_accepted_for_the_pkce_off_option(provider):
    _, token = fetch_token(provider, pkce=None)

    assert me(provider, token["access_token"]).status_code == 200


def test_code_with_a_wrong_pkce_verifier_is_refused(provider):
    session, code = authorization_code(provider)

    answer = requests.post(provider.token_url, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": "x" * 64,
    }, auth=(provider.client_id, provider.client_secret), timeout=10)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_peer_started_with_pkce_required_refuses_a_request_without_challenge():
    peer = start_oauth2_peer(pkce="required", redirect_uris=[REDIRECT_URI])
    try:
        session = OAuth2Session(peer.client_id, redirect_uri=REDIRECT_URI, scope=["read"])
        url, _ = session.authorization_url(peer.authorize_url)

        callback = approve_oauth2_consent(peer, url)
    finally:
        peer.stop()

    assert parse_qs(urlsplit(callback).query)["error"] == ["invalid_request"]


def test_denied_consent_redirects_with_access_denied(provider):
    session = OAuth2Session(provider.client_id, redirect_uri=REDIRECT_URI, scope=["read"])
    url, _ = session.authorization_url(provider.authorize_url)

    callback = approve_oauth2_consent(provider, url, allow=False)

    assert parse_qs(urlsplit(callback).query)["error"] == ["access_denied"]


def test_refresh_rotates_and_a_reused_refresh_token_is_invalid_grant(provider):
    session, first = fetch_token(provider)

    second = session.refresh_token(provider.token_url, refresh_token=first["refresh_token"],
                                   auth=(provider.client_id, provider.client_secret))
    reused = requests.post(provider.token_url, data={"grant_type": "refresh_token",
                                                     "refresh_token": first["refresh_token"]},
                           auth=(provider.client_id, provider.client_secret), timeout=10)

    assert second["refresh_token"] != first["refresh_token"]
    assert me(provider, second["access_token"]).status_code == 200
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_concurrent_uses_of_one_refresh_token_let_exactly_one_through(provider):
    _, token = fetch_token(provider)

    def refresh(_):
        return requests.post(provider.token_url, data={"grant_type": "refresh_token",
                                                       "refresh_token": token["refresh_token"]},
                             auth=(provider.client_id, provider.client_secret), timeout=10).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(refresh, range(20)))

    assert statuses == [200] + [400] * 19


def test_revoked_access_token_gets_401(provider):
    _, token = fetch_token(provider)

    revoked = requests.post(provider.revoke_url, data={"token": token["access_token"],
                                                       "token_type_hint": "access_token"},
                            auth=(provider.client_id, provider.client_secret), timeout=10)

    assert revoked.status_code == 200
    answer = me(provider, token["access_token"])
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_redirect_uri_not_registered_gets_no_redirect(provider):
    session = OAuth2Session(provider.client_id, redirect_uri="http://127.0.0.1:1/elsewhere", scope=["read"])
    url, _ = session.authorization_url(provider.authorize_url)

    with pytest.raises(requests.HTTPError, match="400 Client Error"):
        approve_oauth2_consent(provider, url)


def test_added_redirect_uri_is_accepted(provider):
    other = "http://127.0.0.1:1/other/callback"
    assert provider.add_redirect_uri(other) == [REDIRECT_URI, other]
    session = OAuth2Session(provider.client_id, redirect_uri=other, scope=["read"])
    url, _ = session.authorization_url(provider.authorize_url)

    assert approve_oauth2_consent(provider, url).startswith(other + "?code=")


# OAuth2: client credentials, scopes, expiry, concurrency


@pytest.mark.parametrize("placement", ["basic", "body"])
def test_client_credentials_authenticate_by_header_or_body(oauth2_provider, placement):
    data = {"grant_type": "client_credentials", "scope": "read"}
    auth = (oauth2_provider.cc_client_id, oauth2_provider.cc_client_secret)
    if placement == "body":
        data.update(client_id=auth[0], client_secret=auth[1])
        auth = None

    answer = requests.post(oauth2_provider.token_url, data=data, auth=auth, timeout=10)

    assert answer.status_code == 200
    assert me(oauth2_provider, answer.json()["access_token"]).json()["user"] is None


def test_wrong_client_secret_is_invalid_client(oauth2_provider):
    answer = requests.post(oauth2_provider.token_url, data={"grant_type": "client_credentials"},
                           auth=(oauth2_provider.cc_client_id, "wrong"), timeout=10)

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_token_without_write_scope_is_refused_where_write_is_needed(oauth2_provider):
    token = client_credentials(oauth2_provider, scope="read").json()["access_token"]

    answer = requests.get(oauth2_provider.write_resource_url, headers={"Authorization": f"Bearer {token}"},
                          timeout=10)

    assert answer.status_code == 403
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]


def test_short_lived_token_expires(oauth2_provider):
    with oauth2_provider.token_lifetime(1):
        token = client_credentials(oauth2_provider).json()

    assert token["expires_in"] == 1
    assert me(oauth2_provider, token["access_token"]).status_code == 200
    time.sleep(1.1)
    assert me(oauth2_provider, token["access_token"]).status_code == 401


def test_expire_access_tokens_makes_them_401(oauth2_provider):
    token = client_credentials(oauth2_provider).json()["access_token"]

    oauth2_provider.expire_access_tokens()

    assert me(oauth2_provider, token).status_code == 401


def test_twenty_concurrent_token_requests_all_succeed(oauth2_provider):
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: client_credentials(oauth2_provider), range(20)))

    assert [answer.status_code for answer in answers] == [200] * 20
    assert len({answer.json()["access_token"] for answer in answers}) == 20


def test_admin_endpoints_need_the_shared_secret(oauth2_provider):
    answer = requests.post(oauth2_provider.fault_url("set-redirect-uris"), data={"uris": "http://evil/"},
                           headers={"X-Peer-Secret": "guess"}, timeout=10)

    assert answer.status_code == 403


# OAuth2: the fault endpoints


def test_fault_endpoints_answer_as_announced(oauth2_provider):
    def post(name, **query):
        return requests.post(oauth2_provider.fault_url(name, **query), data={"grant_type": "client_credentials"},
                             allow_redirects=False, timeout=10)

    assert post("token-500").status_code == 500
    garbage = post("token-garbage")
    assert garbage.status_code == 200
    with pytest.raises(ValueError):
        garbage.json()
    redirect = post("token-redirect", to="http://127.0.0.1:1/stolen")
    assert (redirect.status_code, redirect.headers["Location"]) == (307, "http://127.0.0.1:1/stolen")
    invalid = post("invalid-grant")
    assert (invalid.status_code, invalid.json()["error"]) == (400, "invalid_grant")


def fault_token(provider, name, **query):
    return requests.post(provider.fault_url(name, **query), data={"grant_type": "client_credentials", "scope":
                                                                  "read write"},
                         auth=(provider.cc_client_id, provider.cc_client_secret), timeout=10)


def test_slow_token_endpoint_answers_a_real_token_late(oauth2_provider):
    started = time.monotonic()
    answer = fault_token(oauth2_provider, "token-slow", seconds="0.3")

    assert time.monotonic() - started >= 0.3
    assert me(oauth2_provider, answer.json()["access_token"]).status_code == 200


def test_form_encoded_token_is_real(oauth2_provider):
    answer = fault_token(oauth2_provider, "token-form")

    assert answer.headers["Content-Type"] == "application/x-www-form-urlencoded"
    token = {key: values[0] for key, values in parse_qs(answer.text).items()}
    assert (token["token_type"], token["expires_in"]) == ("bearer", "3600")
    assert me(oauth2_provider, token["access_token"]).status_code == 200


def test_token_quirks_bend_a_real_token(oauth2_provider):
    token = fault_token(oauth2_provider, "token-quirks", expires_in="string", token_type="lower").json()
    assert (token["expires_in"], token["token_type"]) == ("3600", "bearer")

    token = fault_token(oauth2_provider, "token-quirks", expires_in="missing", token_type="missing").json()
    assert "expires_in" not in token and "token_type" not in token

    token = fault_token(oauth2_provider, "token-quirks", scope="granted-differs").json()
    assert token["scope"] == "read"
    assert me(oauth2_provider, token["access_token"]).json()["scope"] == "read"

    nested = fault_token(oauth2_provider, "token-quirks", nest="data").json()
    assert me(oauth2_provider, nested["data"]["access_token"]).status_code == 200


def test_counts_requests_by_path(oauth2_provider):
    oauth2_provider.reset_counts()

    client_credentials(oauth2_provider)
    fault_token(oauth2_provider, "token-form")

    assert oauth2_provider.counts() == {"/o/token/": 1, "/faults/token-form/": 1}


# OAuth1


def oauth1_access_token(provider, signature_method=SIGNATURE_HMAC_SHA1):
    """Run the three legs with auto-approval; return the session holding the access token."""
    session = OAuth1Session(provider.consumer_key, client_secret=provider.consumer_secret,
                            callback_uri=REDIRECT_URI, signature_method=signature_method)
    request_token = session.fetch_request_token(provider.request_token_url)
    assert request_token["oauth_callback_confirmed"] == "true"
    approval = requests.get(provider.authorize_url, params={"oauth_token": request_token["oauth_token"],
                                                           "auto_approve": "1"},
                            allow_redirects=False, timeout=10)
    assert approval.status_code == 302
    session.parse_authorization_response(approval.headers["Location"])
    session.fetch_access_token(provider.access_token_url)
    return session


@pytest.mark.parametrize("method", [SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, SIGNATURE_PLAINTEXT])
def test_oauth1_three_legs_reach_the_resource(oauth1_provider, method):
    session = oauth1_access_token(oauth1_provider, method)

    answer = session.get(oauth1_provider.resource_url)

    assert answer.status_code == 200
    assert answer.json() == {"user": oauth1_provider.username, "consumer_key": oauth1_provider.consumer_key,
                             "signature_method": method, "method": "GET"}


def test_oauth1_consent_page_authorizes_or_denies(oauth1_provider):
    for decision in ("authorize", "deny"):
        session = OAuth1Session(oauth1_provider.consumer_key, client_secret=oauth1_provider.consumer_secret,
                                callback_uri=REDIRECT_URI)
        token = session.fetch_request_token(oauth1_provider.request_token_url)["oauth_token"]
        page = requests.get(oauth1_provider.authorize_url, params={"oauth_token": token}, timeout=10)
        assert 'value="authorize">Authorize</button>' in page.text

        answer = requests.post(oauth1_provider.authorize_url, data={"oauth_token": token, "decision": decision},
                               allow_redirects=False, timeout=10)

        query = parse_qs(urlsplit(answer.headers["Location"]).query)
        assert ("oauth_verifier" in query) is (decision == "authorize")
        assert ("denied" in query) is (decision == "deny")


def test_oauth1_wrong_consumer_secret_gets_no_request_token(oauth1_provider):
    auth = OAuth1(oauth1_provider.consumer_key, client_secret="wrong", callback_uri=REDIRECT_URI)

    assert requests.post(oauth1_provider.request_token_url, auth=auth, timeout=10).status_code == 401


def signed_headers(provider, session, **overrides):
    """Sign a GET of the resource once, so the very same request can be sent twice."""
    auth = session.auth.client
    client = Client(provider.consumer_key, client_secret=provider.consumer_secret,
                    resource_owner_key=auth.resource_owner_key,
                    resource_owner_secret=auth.resource_owner_secret, **overrides)
    _, headers, _ = client.sign(provider.resource_url, "GET")
    return headers


def test_oauth1_tampered_signature_gets_401(oauth1_provider):
    session = oauth1_access_token(oauth1_provider)
    headers = signed_headers(oauth1_provider, session)
    headers["Authorization"] = headers["Authorization"].replace('oauth_signature="', 'oauth_signature="X')

    assert requests.get(oauth1_provider.resource_url, headers=headers, timeout=10).status_code == 401


def test_oauth1_replayed_nonce_gets_401(oauth1_provider):
    session = oauth1_access_token(oauth1_provider)
    headers = signed_headers(oauth1_provider, session)

    first = requests.get(oauth1_provider.resource_url, headers=headers, timeout=10)
    replay = requests.get(oauth1_provider.resource_url, headers=headers, timeout=10)

    assert (first.status_code, replay.status_code) == (200, 401)


def test_oauth1_stale_timestamp_gets_401(oauth1_provider):
    session = oauth1_access_token(oauth1_provider)
    headers = signed_headers(oauth1_provider, session, timestamp=str(int(time.time()) - 3600))

    assert requests.get(oauth1_provider.resource_url, headers=headers, timeout=10).status_code == 401


def test_oauth1_revoked_token_gets_401(oauth1_provider):
    session = oauth1_access_token(oauth1_provider)

    assert session.post(oauth1_provider.revoke_url).status_code == 200
    assert session.get(oauth1_provider.resource_url).status_code == 401


def test_oauth1_counts_requests_by_path(oauth1_provider):
    oauth1_provider.reset_counts()

    oauth1_access_token(oauth1_provider)

    assert oauth1_provider.counts() == {"/request_token": 1, "/authorize": 1, "/access_token": 1}


def test_authlib_oauth1_peer_speaks_its_own_dialect(oauth1_authlib_provider):
    """The quirks the second implementation is here for: "True" and a denial without oauth_token."""
    provider = oauth1_authlib_provider
    session = OAuth1Session(provider.consumer_key, client_secret=provider.consumer_secret, callback_uri=REDIRECT_URI)
    request_token = session.fetch_request_token(provider.request_token_url)
    assert request_token["oauth_callback_confirmed"] == "True"
    authorization_url = f"{provider.authorize_url}?oauth_token={request_token['oauth_token']}"

    query = parse_qs(urlsplit(provider.deny(authorization_url)).query)

    assert query["error"] == ["access_denied"] and "oauth_token" not in query
