"""/api/v1/proxy: a program calls the API through its connection without holding the connection's secrets."""

import base64
import json
import threading
import tracemalloc

import pytest
from django.db import connection as db
from django.test import override_settings
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.endpoints.proxy import respond
from api.models import PersonalAccessToken
from auth_types.base import FORM
from builder.models import Scope as ConnectorScope
from connections import services, usage
from connections.masking import MASK
from connections.models import Connection
from connectors_site import outbound_pools
from connectors_site.handlers import with_api_middleware
from tests.api.conftest import ApiClient
from tests.api.upstream import Upstream
from tests.connections.conftest import BASIC_CONFIG
from tests.connections.test_every_type import connect
from tests.examples import Peers, example, keys
from tests.peers.servers import serve_wsgi

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def upstream():
    app = Upstream()
    base_url, stop = serve_wsgi(app)
    app.url = base_url
    yield app
    stop()


@pytest.fixture(autouse=True)
def fresh_upstream(upstream):
    """Each test's own count of what arrived (the server is the module's; the tests run in any order)."""
    upstream.calls.clear()
    upstream.requests.clear()


@pytest.fixture
def connection(upstream, ready_connector, end_user):
    connector = ready_connector("Upstream", "basic", BASIC_CONFIG, base_url=f"{upstream.url}/v1")
    return services.connection_create(connector=connector, owner=end_user, name="Up",
                                      secrets={"username": "maria", "password": "s3cret-pw"})


@pytest.fixture
def api(api_as, end_user):
    return api_as(end_user, scopes=["proxy"])


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_call_goes_to_the_base_url_with_auth_query_body_and_allowed_headers_only(api, connection, upstream):
    response = api.post(f"proxy/{connection.link_name}/items/7?expand=a&x=%2B1", data=b'{"n": 1}',
                        content_type="application/json",
                        headers={"Accept": "application/json", "Cookie": "mine=1", "X-Secret-Internal": "no",
                                 "Idempotency-Key": "k-1"})
    assert response.status_code == 200
    arrived = json.loads(body_of(response))
    assert arrived["method"] == "POST" and arrived["path"] == "/v1/items/7" and arrived["query"] == "expand=a&x=%2B1"
    assert arrived["body"] == '{"n": 1}'
    headers = arrived["headers"]
    assert headers["Authorization"] == MASK and headers["Idempotency-Key"] == "k-1"  # it arrived; echoed masked
    assert headers["Content-Type"] == "application/json" and headers["Accept"] == "application/json"
    assert "X-Secret-Internal" not in headers and "Cookie" not in headers and "ccpat_" not in json.dumps(headers)



def test_an_upstream_echoing_the_credentials_hands_back_only_masks(api, connection):
    response = api.get(f"proxy/{connection.link_name}/items/7?pw=s3cret-pw")
    body = body_of(response)
    arrived = json.loads(body)
    # The whole header value is one of the call's credentials (a server may base64-encode it whole).
    assert arrived["headers"]["Authorization"] == MASK and arrived["query"] == f"pw={MASK}"
    for secret in ("s3cret-pw", base64.b64encode(b"maria:s3cret-pw").decode()):
        assert secret.encode() not in body


def test_the_answer_keeps_rate_limit_headers_and_loses_hop_by_hop_and_credential_ones(api, connection):
    response = api.get(f"proxy/{connection.link_name}/echo")
    assert response["Retry-After"] == "120" and response["X-RateLimit-Remaining"] == "41"
    for name in ("Set-Cookie", "X-Hop", "WWW-Authenticate", "Connection"):
        assert not response.has_header(name), name
    assert "upstream-cookie" not in str(response.cookies)


def test_a_small_answer_comes_in_one_piece_with_the_length_of_its_masked_body(api, connection):
    response = api.get(f"proxy/{connection.link_name}/items/7?pw=s3cret-pw")
    assert not response.streaming
    assert response["Content-Length"] == str(len(response.content)) and MASK.encode() in response.content


def test_a_heads_answer_gives_no_length_of_its_own(api, ready_connector, end_user):
    # An upstream of its own: the shared one's echo answers `Connection: X-Hop`, so werkzeug's server keeps
    # those connections open, and a HEAD sent on one then hangs there (a plain requests.Session hangs alike).
    base_url, stop = serve_wsgi(Upstream())
    try:
        connector = ready_connector("Heads", "basic", BASIC_CONFIG, base_url=f"{base_url}/v1")
        heads = services.connection_create(connector=connector, owner=end_user, name="Heads",
                                           secrets={"username": "maria", "password": "s3cret-pw"})
        head = api._call("head", f"proxy/{heads.link_name}/limited", data={"refusals": 0})
    finally:
        stop()
    assert head.status_code == 200 and head.streaming and not head.has_header("Content-Length")
    assert body_of(head) == b""


def test_usage_is_recorded_as_the_consoles_and_counted_per_token(api, connection):
    assert called(api, connection) == 200
    connection.refresh_from_db()
    assert connection.last_status == 200 and connection.last_used_at is not None
    assert connection.events.filter(action="used").count() == 1
    assert PersonalAccessToken.objects.get().proxy_calls == 1


@pytest.fixture
def buffered(settings, monkeypatch):
    """Usage buffered off the request path as in production (the suite writes it at once), each batch
    written by the test itself: the background flusher would wait on the write lock the test's
    transaction holds on SQLite."""
    settings.CONNECTORS_USAGE_FLUSH_SECONDS = 1
    settings.REDIS_URL = ""  # the database's rate limiter: the one that could write per call
    usage.buffer.flush()
    monkeypatch.setattr(usage.buffer, "_start", lambda: None)
    yield usage.buffer
    usage.buffer.flush()


def writes(captured):
    return [query["sql"] for query in captured.captured_queries
            if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "SAVEPOINT", "BEGIN"))]


def called(api, connection):
    """Make a proxied call and read its answer whole, as a program does. (Not /echo: its `Connection: X-Hop`
    keeps the client's connection open where werkzeug's server closes it, and a quick next call is lost.)"""
    response = api.get(f"proxy/{connection.link_name}/big", data={"size": 64})
    body = body_of(response)
    assert response.status_code == 200, body
    return response.status_code


def test_a_proxied_call_reads_once_and_writes_nothing_on_its_way(buffered, api, connection):
    assert called(api, connection) == 200  # the first: a status change, a share
    for _ in range(3):
        with CaptureQueriesContext(db) as captured:
            assert called(api, connection) == 200
        # The token with its user and the connection with its connector, in one query; the rest waits for the
        # usage batch.
        assert len(captured) == 1, [query["sql"][:120] for query in captured.captured_queries]
        assert writes(captured) == []


def test_a_proxied_calls_counts_appear_after_the_usage_batch_is_written(buffered, api, connection):
    for _ in range(4):
        assert called(api, connection) == 200
    buffered.flush()
    token = PersonalAccessToken.objects.get()
    assert token.proxy_calls == 4 and token.last_used_at is not None
    connection.refresh_from_db()
    assert connection.last_status == 200 and connection.last_used_at is not None
    assert connection.events.filter(action="used").count() == 4
    assert called(api, connection) == 200
    buffered.flush()
    assert PersonalAccessToken.objects.get().proxy_calls == 5


def test_a_revoked_token_is_refused_at_the_next_call(buffered, api, connection, client, end_user):
    assert called(api, connection) == 200
    client.force_login(end_user)
    token = PersonalAccessToken.objects.get()
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 302
    response = api.get(f"proxy/{connection.link_name}/echo")
    assert response.status_code == 401 and response.json()["detail"] == "This API token has been revoked."


@pytest.mark.parametrize("path", [
    "../admin", "a/../../admin", "./x", "a/%2e%2e/b", "a%2Fb/..%2F..", "a%252Fb", "%5Cevil", "a\\b",
    "https://evil.example/x", "/etc/passwd",
])
def test_a_path_that_would_leave_the_base_url_is_refused_before_anything_is_sent(api, connection, upstream, path):
    before = len(upstream.requests)
    response = api.get(f"/api/v1/proxy/{connection.link_name}/{path}")
    assert response.status_code in (400, 404), (path, response.status_code)
    if response.status_code == 400:
        assert response["Content-Type"] == "application/problem+json"
    assert len(upstream.requests) == before


def test_an_at_sign_or_colon_stays_in_the_path_on_the_base_urls_origin(api, connection, upstream):
    response = api.get(f"proxy/{connection.link_name}/@evil.example:80/x")
    assert response.status_code == 200
    assert json.loads(body_of(response))["path"] == "/v1/@evil.example:80/x"


def test_a_redirect_to_another_host_is_answered_not_followed(api, connection, upstream):
    response = api.get(f"proxy/{connection.link_name}/away")
    assert response.status_code == 302 and response["Location"] == "http://127.0.0.2:9/elsewhere"
    assert upstream.count("/v1/away") == 1


def test_the_body_is_streamed_as_it_arrives_not_held_whole(api, connection, upstream):
    upstream.release.clear()
    response = api.get(f"proxy/{connection.link_name}/held")
    chunks = iter(response.streaming_content)
    # The upstream holds back the rest until told: a proxy that buffered the body would still be waiting.
    assert next(chunks) == b"first;"
    upstream.release.set()
    assert b"".join(chunks) == b"rest"


@override_settings(CONNECTORS_PROXY_MAX_BYTES=64 * 1024 * 1024)
def test_a_response_larger_than_the_outbound_cap_streams_through_in_little_memory(api, connection):
    from connectors_site import outbound

    size = 3 * outbound.MAX_BYTES  # the console would refuse it (ResponseTooLarge)
    tracemalloc.start()
    response = api.get(f"proxy/{connection.link_name}/big", data={"size": size})
    received = sum(len(chunk) for chunk in response.streaming_content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert received == size
    # Never the whole body at once: at most a part of it (the threaded test server shares the process).
    assert peak < size // 2, peak


@override_settings(CONNECTORS_PROXY_MAX_BYTES=256 * 1024)
def test_the_proxys_own_cap_ends_a_stream_that_passes_it(api, connection):
    response = api.get(f"proxy/{connection.link_name}/big", data={"size": 1024 * 1024})
    assert response.status_code == 200
    assert 256 * 1024 - 65536 <= len(body_of(response)) <= 256 * 1024


def test_a_429_with_retry_after_is_passed_on_or_retried_when_asked(api, connection, upstream):
    response = api.get(f"proxy/{connection.link_name}/limited", data={"refusals": 1, "after": 0})
    assert response.status_code == 429 and response["Retry-After"] == "0"
    upstream.calls.clear()
    response = api.get(f"proxy/{connection.link_name}/limited", data={"refusals": 2, "after": 0, "status": 503},
                       headers={"X-Proxy-Retry": "3"})
    assert response.status_code == 200 and body_of(response) == b"ok"
    assert upstream.count("/v1/limited") == 3


def test_a_retry_after_longer_than_the_cap_is_passed_on_without_waiting(api, connection, upstream):
    upstream.calls.clear()
    response = api.get(f"proxy/{connection.link_name}/limited", data={"refusals": 1, "after": 3600},
                       headers={"X-Proxy-Retry": "3"})
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert upstream.count("/v1/limited") == 1


@override_settings(CONNECTORS_PROXY_TIMEOUT=(2, 0.5))
def test_an_upstream_too_slow_is_a_504_problem(api, connection):
    response = api.get(f"proxy/{connection.link_name}/slow", data={"seconds": 2})
    assert response.status_code == 504 and response["Content-Type"] == "application/problem+json"
    connection.refresh_from_db()
    assert "did not answer in time" in connection.last_error


def test_a_disabled_connection_another_users_and_a_token_without_proxy_are_refused(api, api_as, connection,
                                                                                      make_user, end_user):
    services.connection_set_enabled(connection=connection, user=end_user, enabled=False)
    response = api.get(f"proxy/{connection.link_name}/echo")
    assert response.status_code == 409 and "disabled" in response.json()["detail"]
    assert api_as(make_user("other"), scopes=["proxy"]).get(f"proxy/{connection.link_name}/echo").status_code == 404
    assert api_as(end_user, scopes=["connections:read"], name="r").get(
        f"proxy/{connection.link_name}/echo").status_code == 403


def test_a_connector_without_a_base_url_cannot_be_proxied(api, ready_connector, end_user, upstream):
    connector = ready_connector("No base", "basic", BASIC_CONFIG, base_url="")
    connector.base_url = ""
    connector.save()
    connection = Connection.objects.create(connector=connector, owner=end_user, name="N", link_name="n",
                                           status="connected", secrets={"username": "u", "password": "p"})
    response = api.get(f"proxy/{connection.link_name}/x")
    assert response.status_code == 400 and "no Base URL" in response.json()["detail"]


@pytest.mark.parametrize("key", keys())
def test_every_auth_type_works_through_the_proxy_at_its_real_server(request, client, end_user, ready_connector,
                                                                    api_as, key):
    live = example(key).live(Peers(request))
    connector = ready_connector(f"Proxy {key}", key, live.config, secrets=live.client, test_url=live.test_url)
    connector.scope_delimiter = live.scope_delimiter
    connector.save()
    ConnectorScope.objects.bulk_create(ConnectorScope(connector=connector, name=v, value=v) for v in live.scopes)
    live.prepare(connector)
    client.force_login(end_user)
    connection = connect(client, connector, live)
    path = live.test_url.removeprefix(connector.base_url).lstrip("/")
    kind = connector.kind.grant_kind(connector.kind_config)
    data = {key_: value for key_, value in live.credentials.items()} if kind == FORM else {}
    response = api_as(end_user, scopes=["proxy"], name=f"t-{key}").get(f"proxy/{connection.link_name}/{path}")
    assert response.status_code == 200, (key, response.status_code, body_of(response)[:500])
    connection.refresh_from_db()
    assert connection.last_status == 200
    for secret in data.values():
        assert secret not in str(response.items())
    body = body_of(response).decode("latin-1")
    for secret in services.connection_masker(connection).values:
        assert secret.encode().decode("latin-1") not in body, key


def test_the_apis_own_error_answers_pass_unchanged(api, connection):
    response = api.get(f"proxy/{connection.link_name}/missing")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert body_of(response) == b"<h1>no such page</h1>"


@pytest.fixture
def resolved(api):
    """The same token's client through the API's middleware without the direct routes: the address resolved to
    django-ninja's operation, as a handler without them serves it."""
    other = ApiClient(api.headers["Authorization"].removeprefix("Bearer "))
    other.client.handler = with_api_middleware(lambda: ClientHandler(enforce_csrf_checks=False))
    return other


def _answer(response):
    headers = {name: value for name, value in response.items() if name not in ("Date", "Allow")}
    allowed = set(response.get("Allow", "").split(", "))  # django-ninja lists them from a set: in any order
    return response.status_code, headers, allowed, body_of(response)


@pytest.mark.parametrize("method, address, sent", [
    ("get", "proxy/{link}/items/7?expand=a&x=%2B1", {"headers": {"Accept": "application/json"}}),
    ("post", "proxy/{link}/items", {"data": b'{"n": 1}', "content_type": "application/json"}),
    ("get", "proxy/{link}/", {}),
    ("get", "proxy/{link}/missing", {}),
    ("get", "proxy/{link}/headers", {}),
    ("get", "proxy/{link}/a/../b", {}),
    ("get", "proxy/{link}/a%2Fb", {}),
    ("get", "proxy/nobody-has-this/items", {}),
    ("get", "proxy/{link}/items?q=a%00b", {}),
    ("generic", "proxy/{link}/items", {"method": "TRACE"}),
    ("get", "proxy/{link}/items", {"headers": {"Authorization": ""}}),
    ("get", "proxy/{link}/items", {"headers": {"Authorization": "Bearer ccpat_000000000000_nope"}}),
    ("get", "proxy/{link}/items", {"headers": {"Authorization": "Basic bWFyaWE6eA=="}}),
    ("get", "proxy/{link}/items", {"headers": {"Authorization": "bearer {token}"}}),
    ("get", "proxy/{link}/items", {"headers": {"Authorization": "Bearer  {token}"}}),
    ("get", "proxy/{link}/items", {"headers": {"Authorization": "Bearer"}}),
])
def test_the_direct_route_answers_as_the_resolved_operation_would(api, resolved, connection, method, address, sent):
    """The API's handler serves the proxy's addresses straight from api.endpoints.proxy.respond (no URL resolving,
    no ninja operation): every answer, refusals included, is the one the operation gives."""
    address = address.format(link=connection.link_name)
    token = api.headers["Authorization"].removeprefix("Bearer ")
    if "headers" in sent:
        sent = {**sent, "headers": {name: value.format(token=token) for name, value in sent["headers"].items()}}

    def call(client):
        # A new connection each: a kept-alive one the test server closed meanwhile would fail a POST (which is
        # never sent twice), whichever way it went.
        outbound_pools.pools.close()
        if method == "generic":
            return client.client.generic(sent["method"], f"/api/v1/{address}", headers=client.headers)
        return getattr(client, method)(address, **sent)

    direct, through_ninja = call(api), call(resolved)
    assert _answer(direct) == _answer(through_ninja)
    if direct.wsgi_request.resolver_match is not None:  # a NUL is refused by the middleware before any view
        assert direct.wsgi_request.resolver_match.func is respond
        assert through_ninja.wsgi_request.resolver_match.func is not respond


def test_an_address_the_direct_route_does_not_take_is_resolved_as_before(api, connection):
    response = api.get(f"/api/v1/proxy/{connection.link_name}")  # no slash after the link name: no such operation
    assert response.status_code == 301 and response["Location"] == f"/api/v1/proxy/{connection.link_name}/"
