"""OAuth1's protocol side against the real oauthlib provider: the three legs, signing, revoking, faults.

The faults come from a small WSGI server of our own on 127.0.0.1 (tests named "faulty_server"):
the server and the HTTP exchange are real, only its answers are broken on purpose.
"""

import json
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import requests
from werkzeug.wrappers import Request, Response

from auth_types import registry
from auth_types.base import REDIRECT, AuthError, AuthorizationDenied, GrantInvalid, ProviderUnavailable
from auth_types.oauth1 import authorization_url
from connectors_site.outbound import send
from tests.peers.servers import free_port, serve_wsgi

REDIRECT_URI = "http://127.0.0.1:1/oauth/callback"
METHODS = ["HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT"]
OAUTH1 = registry.get("oauth1")


def provider_config(provider, **overrides):
    config = {"consumer_key": provider.consumer_key, "request_token_url": provider.request_token_url,
              "authorization_url": provider.authorize_url, "token_url": provider.access_token_url,
              "revoke_url": provider.revoke_url, "signature_method": "HMAC-SHA1", "scope_delimiter": ","}
    return {**config, **overrides}


def consumer(provider):
    return {"consumer_secret": provider.consumer_secret}


def approve(url):
    """Play the user who approves at the provider; return the query of the callback, not followed."""
    answer = requests.get(url, params={"auto_approve": "1"}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return dict(parse_qsl(urlsplit(location).query))


def connect(provider, **config_overrides):
    """Run the three legs with auto-approval; return (config, credentials)."""
    config = provider_config(provider, **config_overrides)
    url, flow = OAUTH1.begin(config, consumer(provider), redirect_uri=REDIRECT_URI, scopes=[])
    params = approve(url)
    assert OAUTH1.callback_state(params) == flow["state"]
    return config, OAUTH1.complete(config, consumer(provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)


def call(provider, config, credentials, method="GET", url=None, **kwargs):
    auth = OAUTH1.auth(config, credentials, client=consumer(provider))
    return send(method, url or provider.resource_url, auth=auth, **kwargs)


def assert_hides(error, *secrets):
    message = str(error.value)
    assert message and not [secret for secret in secrets if secret and secret in message]


@pytest.fixture
def connected(oauth1_provider):
    return connect(oauth1_provider)


# The three legs ------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_three_legs_then_signed_call_reaches_the_resource(oauth1_provider, method):
    config, credentials = connect(oauth1_provider, signature_method=method)

    answer = call(oauth1_provider, config, credentials)

    assert answer.status_code == 200
    assert answer.json() == {"user": oauth1_provider.username, "consumer_key": oauth1_provider.consumer_key,
                             "signature_method": method, "method": "GET"}
    assert set(credentials) == {"oauth_token", "oauth_token_secret", "scope"}


def test_begin_returns_authorization_url_and_flow(oauth1_provider):
    config = provider_config(oauth1_provider)

    url, flow = OAUTH1.begin(config, consumer(oauth1_provider), redirect_uri=REDIRECT_URI, scopes=[])

    assert OAUTH1.grant_kind(config) == REDIRECT
    assert url == f"{oauth1_provider.authorize_url}?oauth_token={flow['state']}"
    assert flow["oauth_token_secret"] and flow["redirect_uri"] == REDIRECT_URI and flow["scopes"] == []
    assert flow["oauth_token_secret"] not in url
    json.dumps(flow)  # the caller keeps it in the session


def test_scopes_go_on_the_authorization_url_joined_and_its_query_is_kept(oauth1_provider):
    config = provider_config(oauth1_provider, authorization_url=oauth1_provider.authorize_url + "?name=Zylker&scope=x",
                             scope_delimiter=" ")
    url, flow = OAUTH1.begin(config, consumer(oauth1_provider), redirect_uri=REDIRECT_URI, scopes=["read", "write"])

    assert parse_qs(urlsplit(url).query) == {"name": ["Zylker"], "oauth_token": [flow["state"]],
                                             "scope": ["read write"]}
    credentials = OAUTH1.complete(config, consumer(oauth1_provider), flow=flow, params=approve(url),
                                  redirect_uri=REDIRECT_URI)
    assert OAUTH1.granted_scopes(credentials) == "read write"


def test_authorization_url_without_scopes_has_no_scope_parameter():
    assert authorization_url("https://api.example.com/authorize?name=App&scope=keep", "tok") == \
        "https://api.example.com/authorize?name=App&scope=keep&oauth_token=tok"


def test_tokens_never_expire_nor_refresh_and_all_secrets_are_listed(oauth1_provider, connected):
    config, credentials = connected

    assert OAUTH1.can_refresh(config, credentials) is False
    assert OAUTH1.expires_at(credentials) is None
    assert OAUTH1.granted_scopes(credentials) == ""
    assert set(OAUTH1.secret_values(config, credentials, client=consumer(oauth1_provider))) == {
        credentials["oauth_token"], credentials["oauth_token_secret"], oauth1_provider.consumer_secret}
    assert set(OAUTH1.secret_values(config, credentials)) == {credentials["oauth_token"],
                                                              credentials["oauth_token_secret"]}


# Refusals at the provider ---------------------------------------------------------------------

def test_wrong_consumer_secret_is_grant_invalid_at_begin(oauth1_provider):
    with pytest.raises(GrantInvalid, match="refused the consumer key or secret") as error:
        OAUTH1.begin(provider_config(oauth1_provider), {"consumer_secret": "wrong-consumer-canary"},
                     redirect_uri=REDIRECT_URI, scopes=[])
    assert_hides(error, "wrong-consumer-canary")


def test_missing_consumer_secret_or_unknown_method_is_an_auth_error(oauth1_provider, connected):
    config, credentials = connected
    with pytest.raises(AuthError, match="no consumer secret"):
        OAUTH1.auth(config, credentials, client={})
    with pytest.raises(AuthError, match="signature method is not one"):
        OAUTH1.auth({**config, "signature_method": "RSA-SHA1"}, credentials, client=consumer(oauth1_provider))


def test_deny_button_is_authorization_denied(oauth1_provider):
    config = provider_config(oauth1_provider)
    url, flow = OAUTH1.begin(config, consumer(oauth1_provider), redirect_uri=REDIRECT_URI, scopes=[])
    assert 'value="deny">Deny</button>' in requests.get(url, timeout=10).text
    denied = requests.post(oauth1_provider.authorize_url, data={"oauth_token": flow["state"], "decision": "deny"},
                           allow_redirects=False, timeout=10)
    params = dict(parse_qsl(urlsplit(denied.headers["Location"]).query))

    assert OAUTH1.callback_state(params) == flow["state"]
    with pytest.raises(AuthorizationDenied, match="denied at the provider") as error:
        OAUTH1.complete(config, consumer(oauth1_provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)
    assert_hides(error, flow["oauth_token_secret"], oauth1_provider.consumer_secret)


@pytest.mark.parametrize("params, message", [
    ({"error": "access_denied"}, r"denied at the provider \(access_denied\)"),
    ({"error": "<b>you lost</b>"}, r"denied at the provider\.$"),
    ({}, "sent no verifier"),
    ({"oauth_verifier": ""}, "sent no verifier"),
])
def test_callback_without_a_grant_is_authorization_denied(oauth1_provider, params, message):
    config = provider_config(oauth1_provider)
    url, flow = OAUTH1.begin(config, consumer(oauth1_provider), redirect_uri=REDIRECT_URI, scopes=[])
    oauth1_provider.reset_counts()

    with pytest.raises(AuthorizationDenied, match=message):
        OAUTH1.complete(config, consumer(oauth1_provider), flow=flow, params={"oauth_token": flow["state"], **params},
                        redirect_uri=REDIRECT_URI)
    assert oauth1_provider.counts() == {}


def test_callback_of_another_authorization_is_refused_before_any_call(oauth1_provider):
    config = provider_config(oauth1_provider)
    _, flow = OAUTH1.begin(config, consumer(oauth1_provider), redirect_uri=REDIRECT_URI, scopes=[])
    other_url, _ = OAUTH1.begin(config, consumer(oauth1_provider), redirect_uri=REDIRECT_URI, scopes=[])

    with pytest.raises(AuthorizationDenied, match="does not belong"):
        OAUTH1.complete(config, consumer(oauth1_provider), flow=flow, params=approve(other_url),
                        redirect_uri=REDIRECT_URI)


@pytest.mark.parametrize("spoil", ["wrong verifier", "reused verifier"])
def test_verifier_refused_by_the_provider_is_authorization_denied(oauth1_provider, spoil):
    config = provider_config(oauth1_provider)
    url, flow = OAUTH1.begin(config, consumer(oauth1_provider), redirect_uri=REDIRECT_URI, scopes=[])
    params = approve(url)
    if spoil == "wrong verifier":
        params["oauth_verifier"] = "wrong-verifier-canary"
    else:
        OAUTH1.complete(config, consumer(oauth1_provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)

    with pytest.raises(AuthorizationDenied, match="expired or was refused") as error:
        OAUTH1.complete(config, consumer(oauth1_provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)
    assert_hides(error, params["oauth_verifier"], flow["oauth_token_secret"], oauth1_provider.consumer_secret)


# Signing -------------------------------------------------------------------------------------

def test_form_body_and_query_are_signed(oauth1_provider, connected):
    config, credentials = connected

    query = {"q": "a b", "filter[name]": "x", "r": ["1", "2"]}
    form = {"note": "café & tea", "plus": "1+1=2", "empty": ""}

    answer = call(oauth1_provider, config, credentials, "POST", params=query, data=form)

    assert (answer.status_code, answer.json()["method"]) == (200, "POST")


@pytest.mark.parametrize("spoil, status", [("nothing", 200), ("body", 401), ("query", 401)])
def test_body_or_query_changed_after_signing_is_refused(oauth1_provider, connected, spoil, status):
    """The provider checks the form body and the query against the signature: both are covered."""
    config, credentials = connected
    auth = OAUTH1.auth(config, credentials, client=consumer(oauth1_provider))
    prepared = requests.Request("POST", oauth1_provider.resource_url + "?amount=10", data={"to": "alice"},
                                auth=auth).prepare()
    if spoil == "body":
        prepared.body = prepared.body.replace(b"alice", b"mallory")
        prepared.headers["Content-Length"] = str(len(prepared.body))
    elif spoil == "query":
        prepared.url = prepared.url.replace("amount=10", "amount=99")

    with requests.Session() as session:
        assert session.send(prepared, timeout=10).status_code == status


def test_json_body_is_sent_signed_without_its_body(oauth1_provider, connected):
    config, credentials = connected

    answer = call(oauth1_provider, config, credentials, "PUT", json={"note": "hello"})

    assert (answer.status_code, answer.json()["method"]) == (200, "PUT")


def test_get_with_a_form_body_cannot_be_signed(oauth1_provider, connected):
    config, credentials = connected
    with pytest.raises(AuthError, match="cannot be signed"):
        call(oauth1_provider, config, credentials, "GET", data={"a": "b"})


def test_tampered_token_secret_is_refused(oauth1_provider, connected):
    config, credentials = connected
    tampered = {**credentials, "oauth_token_secret": credentials["oauth_token_secret"] + "x"}

    answer = call(oauth1_provider, config, tampered)

    assert answer.status_code == 401


def test_auth_repr_shows_no_secret(oauth1_provider, connected):
    config, credentials = connected
    client = consumer(oauth1_provider)
    shown = repr(OAUTH1.auth(config, credentials, client=client))
    assert not [value for value in OAUTH1.secret_values(config, credentials, client) if value in shown]


# Revoking ------------------------------------------------------------------------------------

def test_revoke_makes_the_token_useless(oauth1_provider, connected):
    config, credentials = connected

    OAUTH1.revoke(config, consumer(oauth1_provider), credentials)

    assert call(oauth1_provider, config, credentials).status_code == 401
    with pytest.raises(GrantInvalid, match="no longer accepts") as error:
        OAUTH1.revoke(config, consumer(oauth1_provider), credentials)
    assert_hides(error, credentials["oauth_token"], credentials["oauth_token_secret"])


def test_revoke_without_a_revoke_url_calls_nothing(oauth1_provider, connected):
    config, credentials = connected
    oauth1_provider.reset_counts()

    OAUTH1.revoke({**config, "revoke_url": ""}, consumer(oauth1_provider), credentials)

    assert oauth1_provider.counts() == {}
    assert call(oauth1_provider, config, credentials).status_code == 200


# Faults, from a real server answering badly on purpose ----------------------------------------

FAULTS = {
    "/500": lambda request: Response("boom", status=500),
    "/429": lambda request: Response("slow down", status=429, headers={"Retry-After": "1"}),
    "/404": lambda request: Response("not here", status=404),
    "/401": lambda request: Response("oauth_problem=token_rejected", status=401),
    "/307": lambda request: Response(status=307, headers={"Location": "/stolen"}),
    # Garbage that repeats what it was sent: a message quoting the body would leak the signature.
    "/garbage": lambda request: Response("<html>" + request.headers.get("Authorization", "") + "</html>"),
    "/half": lambda request: Response("oauth_token=abc&oauth_callback_confirmed=true"),
    "/json": lambda request: Response('{"oauth_token": "a", "oauth_token_secret": "b"}',
                                      content_type="application/json"),
    "/unconfirmed": lambda request: Response("oauth_token=abc&oauth_token_secret=def"),
    "/newline": lambda request: Response("oauth_token=abc&oauth_token_secret=def&oauth_callback_confirmed=true\r\n",
                                         content_type="text/html"),
}


@pytest.fixture(scope="module")
def faulty_server():
    """Serve FAULTS; yield (base URL, the paths it was asked for)."""
    seen = []

    def app(environ, start_response):
        request = Request(environ)
        seen.append(request.path)
        handler = FAULTS.get(request.path, lambda request: Response("stolen", status=200))
        return handler(request)(environ, start_response)

    base_url, stop = serve_wsgi(app)
    yield base_url, seen
    stop()


PLAINTEXT_CONSUMER = {"consumer_secret": "consumer-secret-canary"}


def faulty_config(base_url, path, **overrides):
    # PLAINTEXT puts the secrets themselves in the Authorization header that /garbage echoes.
    return {"consumer_key": "ck", "request_token_url": base_url + path, "authorization_url": base_url + "/authorize",
            "token_url": base_url + path, "revoke_url": base_url + path, "signature_method": "PLAINTEXT", **overrides}


@pytest.mark.parametrize("path, message", [
    ("/500", "answered HTTP 500"), ("/429", "answered HTTP 429"), ("/404", "answered HTTP 404"),
    ("/307", r"redirect \(HTTP 307\)"), ("/garbage", "did not answer with a form-encoded"),
    ("/half", "did not answer with a form-encoded"), ("/json", "did not answer with a form-encoded"),
    ("/unconfirmed", "did not confirm the callback URL"),
])
def test_faulty_server_request_token_is_provider_unavailable(faulty_server, path, message):
    base_url, seen = faulty_server
    seen.clear()

    with pytest.raises(ProviderUnavailable, match=message) as error:
        OAUTH1.begin(faulty_config(base_url, path), PLAINTEXT_CONSUMER, redirect_uri=REDIRECT_URI, scopes=[])
    assert_hides(error, "consumer-secret-canary", "abc", "def")
    assert seen == [path]  # one call, and a redirect is not followed


def test_faulty_server_request_token_with_a_trailing_newline_is_read(faulty_server):
    base_url, _ = faulty_server

    url, flow = OAUTH1.begin(faulty_config(base_url, "/newline"), PLAINTEXT_CONSUMER, redirect_uri=REDIRECT_URI,
                             scopes=[])

    assert (url, flow["state"], flow["oauth_token_secret"]) == (base_url + "/authorize?oauth_token=abc", "abc", "def")


def test_faulty_server_request_token_unreachable_is_provider_unavailable():
    url = f"http://127.0.0.1:{free_port()}/request_token"
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        OAUTH1.begin(faulty_config("", "", request_token_url=url), PLAINTEXT_CONSUMER, redirect_uri=REDIRECT_URI,
                     scopes=[])


FLOW = {"state": "request-token", "oauth_token_secret": "request-secret-canary", "redirect_uri": REDIRECT_URI,
        "scopes": []}
CALLBACK = {"oauth_token": "request-token", "oauth_verifier": "verifier-canary"}


@pytest.mark.parametrize("path, error_class", [
    ("/500", ProviderUnavailable), ("/429", ProviderUnavailable), ("/307", ProviderUnavailable),
    ("/garbage", ProviderUnavailable), ("/half", ProviderUnavailable), ("/401", AuthorizationDenied),
])
def test_faulty_server_access_token(faulty_server, path, error_class):
    base_url, seen = faulty_server
    seen.clear()

    with pytest.raises(error_class) as error:
        OAUTH1.complete(faulty_config(base_url, path), PLAINTEXT_CONSUMER, flow=FLOW, params=CALLBACK,
                        redirect_uri=REDIRECT_URI)
    assert_hides(error, "consumer-secret-canary", "request-secret-canary", "verifier-canary")
    assert seen == [path]


@pytest.mark.parametrize("path, error_class", [
    ("/500", ProviderUnavailable), ("/307", ProviderUnavailable), ("/401", GrantInvalid), ("/404", ProviderUnavailable),
])
def test_faulty_server_revoke(faulty_server, path, error_class):
    base_url, seen = faulty_server
    seen.clear()
    credentials = {"oauth_token": "access-token-canary", "oauth_token_secret": "access-secret-canary"}

    with pytest.raises(error_class) as error:
        OAUTH1.revoke(faulty_config(base_url, path), PLAINTEXT_CONSUMER, credentials)
    assert_hides(error, "consumer-secret-canary", *credentials.values())
    assert seen == [path]


def test_faulty_server_revoke_accepts_any_2xx(faulty_server):
    base_url, _ = faulty_server
    credentials = {"oauth_token": "t", "oauth_token_secret": "s"}
    assert OAUTH1.revoke(faulty_config(base_url, "/garbage"), PLAINTEXT_CONSUMER, credentials) is True


def test_an_oversized_token_answer_is_refused_as_every_token_endpoint_s_is(faulty_server, monkeypatch):
    base_url, _ = faulty_server
    from auth_types import oauth_tokens

    body = "oauth_token=abc&oauth_token_secret=def&oauth_callback_confirmed=true&pad=" + "x" * 70_000
    monkeypatch.setitem(FAULTS, "/oversized", lambda request: Response(body))
    assert len(body) > oauth_tokens.TOKEN_RESPONSE_MAX_BYTES
    with pytest.raises(ProviderUnavailable, match="could not be reached: The response .* is larger than 65536 bytes"):
        OAUTH1.begin(faulty_config(base_url, "/oversized"), PLAINTEXT_CONSUMER, redirect_uri="https://a.example/cb",
                     scopes=[])
