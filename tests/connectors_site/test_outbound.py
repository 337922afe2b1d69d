"""The outbound client against real servers on 127.0.0.1: the guard, redirects, credentials, caps, timeouts."""

import gzip
import ipaddress
import time
import traceback

import pytest
import requests

from connectors_site import outbound
from connectors_site.outbound import (BlockedDestination, OutboundConnectionError, OutboundError, OutboundTimeout,
                                      ResponseTooLarge)
from tests.connectors_site.conftest import respond

MiB = 1024 * 1024

# Every textual form of loopback: refused while CONNECTORS_ALLOW_PRIVATE_NETWORKS is off.
LOOPBACK_FORMS = [
    "127.1", "127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "017700000001", "127.000.000.001",
    "0x7f.1", "127.0.1.1", "127.255.255.254", "127.0.0.1.", "[::1]", "[0:0:0:0:0:0:0:1]", "[::0:1]",
    "localhost", "localhost.", "LOCALHOST", "LocalHost.", "api.localhost", "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
]

# Refused whatever the loopback setting says.
ALWAYS_BLOCKED = [
    # unspecified
    "0.0.0.0", "0", "0.1.2.3", "[::]", "[0:0:0:0:0:0:0:0]",
    # RFC 1918, in several spellings
    "10.0.0.1", "10.255.255.254", "012.0.0.1", "167772161", "0xa000001", "10.1",
    "172.16.0.1", "172.31.255.254", "192.168.0.1", "192.168.1.1", "3232235777",
    # carrier-grade NAT
    "100.64.0.1", "100.127.255.254",
    # link-local and cloud metadata
    "169.254.169.254", "169.254.0.1", "2852039166", "0xa9fea9fe", "[fd00:ec2::254]", "[fe80::1]", "[febf::1]",
    # IPv6 unique-local and site-local
    "[fd00::]", "[fd00::1]", "[fc00::1]", "[fec0::1]",
    # multicast and broadcast
    "224.0.0.1", "239.255.255.250", "[ff02::1]", "[ff05::1:3]", "255.255.255.255",
    # reserved, documentation, benchmarking, 6to4 relay
    "240.0.0.1", "192.0.0.1", "192.0.2.1", "198.18.0.1", "198.51.100.1", "203.0.113.1", "192.88.99.1",
    "[100::1]", "[2001:db8::1]", "[3fff::1]", "[5f00::1]",
    # IPv4-mapped (even of a loopback or public address), IPv4-compatible, SIIT
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]",
    "[::ffff:a9fe:a9fe]", "[::ffff:8.8.8.8]", "[::127.0.0.1]", "[::a00:1]", "[::ffff:0:7f00:1]",
    # 6to4, Teredo (client 127.0.0.1 and 10.0.0.1) and NAT64 embeddings of non-public addresses
    "[2002:7f00:1::1]", "[2002:a00:1::1]", "[2002:a9fe:a9fe::1]", "[2002:c0a8:101::1]",
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]", "[2001:0:4136:e378:8000:63bf:f5ff:fffe]",
    "[64:ff9b::7f00:1]", "[64:ff9b::a00:1]", "[64:ff9b::a9fe:a9fe]", "[64:ff9b:1::1]",
]


@pytest.fixture(autouse=True)
def local_development(settings):
    """Start each test as in local development: loopback and http:// allowed."""
    settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS = True
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = True
    return settings


def assert_untouched(peer, connect_spy):
    assert connect_spy == [], "a socket was connected"
    assert peer.received == []


def test_at_least_sixty_targets_are_checked():
    assert len(set(LOOPBACK_FORMS + ALWAYS_BLOCKED)) >= 60


# --- the guard ---------------------------------------------------------------------------

@pytest.mark.parametrize("loopback_allowed", [False, True], ids=["loopback-off", "loopback-on"])
@pytest.mark.parametrize("host", ALWAYS_BLOCKED)
def test_blocked_target_is_refused_before_any_socket_connects(host, loopback_allowed, settings, peer, connect_spy):
    settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS = loopback_allowed
    with pytest.raises(BlockedDestination):
        outbound.send("GET", f"http://{host}:{peer.port}/")
    assert_untouched(peer, connect_spy)


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_loopback_is_refused_with_the_setting_off(host, settings, peer, connect_spy):
    settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(BlockedDestination, match="loopback|IPv4-mapped"):
        outbound.send("GET", f"http://{host}:{peer.port}/")
    assert_untouched(peer, connect_spy)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "localhost", "LOCALHOST.", "api.localhost"])
def test_loopback_works_with_the_setting_on(host, peer):
    response = outbound.send("GET", f"http://{host}:{peer.port}/hello")
    assert (response.status_code, response.content) == (200, b"ok")
    assert peer.received[0]["path"] == "/hello"


def test_the_loopback_setting_is_read_on_every_call(settings, peer):
    assert outbound.send("GET", peer.url()).status_code == 200
    settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(BlockedDestination):
        outbound.send("GET", peer.url())
    assert len(peer.received) == 1


def test_http_is_refused_when_insecure_http_is_off(settings, peer, connect_spy):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False
    with pytest.raises(BlockedDestination, match="https"):
        outbound.send("GET", peer.url())
    assert_untouched(peer, connect_spy)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "file:///etc/passwd", "gopher://127.0.0.1:70/"])
def test_other_schemes_are_refused(url, connect_spy):
    with pytest.raises(BlockedDestination):
        outbound.send("GET", url)
    assert connect_spy == []


@pytest.mark.parametrize("ip", ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "64:ff9b::808:808",
                                "2002:808:808::1"])
def test_public_addresses_pass_the_address_check(ip):
    assert outbound._address_problem(ipaddress.ip_address(ip)) is None


def test_resolver_fault_public_then_loopback_answer_is_refused(fake_resolver, settings, peer, connect_spy):
    settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS = False
    fake_resolver("mixed.example.test", ["93.184.215.14", "127.0.0.1"])
    with pytest.raises(BlockedDestination, match="loopback"):
        outbound.send("GET", f"http://mixed.example.test:{peer.port}/")
    assert_untouched(peer, connect_spy)


def test_resolver_fault_public_then_private_answer_is_refused_with_loopback_on(fake_resolver, peer, connect_spy):
    fake_resolver("mixed.example.test", ["93.184.215.14", "10.0.0.7"])
    with pytest.raises(BlockedDestination, match="private"):
        outbound.send("GET", f"http://mixed.example.test:{peer.port}/")
    assert_untouched(peer, connect_spy)


def test_resolver_fault_rebinding_answer_cannot_replace_the_validated_address(fake_resolver, peer, connect_spy):
    # A rebinding DNS: loopback (allowed here) for the check, then the metadata service.
    fake_resolver("rebind.example.test", ["127.0.0.1"], ["169.254.169.254"])
    response = outbound.send("GET", f"http://rebind.example.test:{peer.port}/pinned")
    assert response.content == b"ok"
    assert fake_resolver.calls == ["rebind.example.test"]
    assert connect_spy == [("127.0.0.1", peer.port)]
    assert peer.received[0]["headers"]["Host"] == f"rebind.example.test:{peer.port}"


def test_the_resolver_is_asked_once_per_hop(resolver_calls, peer_factory, connect_spy):
    first, second = peer_factory(), peer_factory()
    first.redirect("/start", 302, second.url("/end", host="localhost"))
    assert outbound.send("GET", first.url("/start")).content == b"ok"
    assert resolver_calls == ["127.0.0.1", "localhost"]
    assert [address[1] for address in connect_spy][-1] == second.port


@pytest.mark.parametrize("target", ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                                    "http://[fd00:ec2::254]/", "http://[::ffff:10.0.0.1]/", "http://0x0a000001/"])
def test_redirect_to_a_private_address_is_refused_without_connecting(target, peer, connect_spy):
    peer.redirect("/go", 307, target)
    with pytest.raises(BlockedDestination):
        outbound.send("POST", peer.url("/go"), data=b"body")
    assert connect_spy == [("127.0.0.1", peer.port)]


def test_redirect_to_loopback_is_refused_when_loopback_is_off(fake_resolver, settings, peer, connect_spy):
    # The first hop reaches the local server under a name that the fault resolver calls public.
    settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS = False
    fake_resolver("api.example.test", ["127.0.0.1"])
    with pytest.raises(BlockedDestination):
        outbound.send("GET", f"http://api.example.test:{peer.port}/")
    assert connect_spy == []


# --- TLS on a pinned address ------------------------------------------------------------

def test_tls_keeps_sni_and_verification_on_the_host_name(fake_resolver, tls_peer_factory, connect_spy):
    server = tls_peer_factory("api.example.test")
    fake_resolver("api.example.test", ["127.0.0.1"])
    response = outbound.send("GET", f"https://api.example.test:{server.port}/secure")
    assert response.content == b"ok"
    assert server.sni == ["api.example.test"]
    assert server.received[0]["headers"]["Host"] == f"api.example.test:{server.port}"
    assert connect_spy == [("127.0.0.1", server.port)]


def test_tls_certificate_for_another_name_is_rejected(fake_resolver, tls_peer_factory):
    server = tls_peer_factory("other.example.test")
    fake_resolver("api.example.test", ["127.0.0.1"])
    with pytest.raises(OutboundConnectionError, match="TLS"):
        outbound.send("GET", f"https://api.example.test:{server.port}/")
    assert server.received == []


def test_tls_certificate_is_not_checked_against_the_ip(tls_peer_factory):
    server = tls_peer_factory("api.example.test")
    with pytest.raises(OutboundConnectionError, match="TLS"):
        outbound.send("GET", server.url(scheme="https"))


def test_https_redirect_to_http_is_refused_when_insecure_http_is_off(settings, tls_peer_factory, peer):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False
    server = tls_peer_factory("localhost")
    server.redirect("/down", 302, peer.url("/plain"))
    with pytest.raises(BlockedDestination, match="https"):
        outbound.send("GET", server.url("/down", host="localhost", scheme="https"))
    assert len(server.received) == 1 and peer.received == []


# --- credentials on redirects ------------------------------------------------------------

class HeaderAndQueryAuth(requests.auth.AuthBase):
    """An auth that adds a header and a query parameter, as API-key auth does."""

    def __call__(self, request):
        request.headers["X-Api-Key"] = "key-canary"
        request.prepare_url(request.url, {"api_key": "query-canary"})
        return request


CREDENTIAL_HEADERS = {"Authorization": "Bearer token-canary", "Cookie": "session=cookie-canary",
                      "Proxy-Authorization": "Basic proxy-canary", "X-Trace": "kept"}


def test_credentials_are_dropped_when_a_redirect_leaves_the_host(peer_factory):
    first, second = peer_factory(), peer_factory()
    first.route("/start", lambda h: respond(h, 302, [("Location", second.url("/landing")),
                                                     ("Set-Cookie", "sid=set-by-first; Path=/")]))
    response = outbound.send("GET", first.url("/start"), headers=CREDENTIAL_HEADERS, auth=HeaderAndQueryAuth())
    assert response.status_code == 200 and len(response.history) == 1
    assert first.received[0]["headers"]["X-Api-Key"] == "key-canary"
    landed = second.received[0]
    assert landed["path"] == "/landing"
    assert "canary" not in repr(landed) and "set-by-first" not in repr(landed)
    assert landed["headers"]["X-Trace"] == "kept"


def test_credentials_are_kept_and_auth_applied_again_on_the_same_host(peer):
    peer.redirect("/start", 307, "/next")
    outbound.send("GET", peer.url("/start"), headers=CREDENTIAL_HEADERS, auth=HeaderAndQueryAuth())
    landed = peer.received[1]
    assert landed["path"] == "/next?api_key=query-canary"
    assert landed["headers"]["Authorization"] == "Bearer token-canary"
    assert landed["headers"]["Cookie"] == "session=cookie-canary"
    assert landed["headers"]["X-Api-Key"] == "key-canary"


def test_credentials_stay_dropped_when_the_chain_comes_back(peer_factory):
    first, second = peer_factory(), peer_factory()
    first.redirect("/start", 302, second.url("/bounce"))
    second.redirect("/bounce", 302, first.url("/back"))
    outbound.send("GET", first.url("/start"), headers=CREDENTIAL_HEADERS, auth=HeaderAndQueryAuth())
    back = first.received[1]
    assert back["path"] == "/back" and "canary" not in repr(back)


def test_a_port_change_is_a_host_change(peer_factory):
    first, second = peer_factory(), peer_factory()
    first.redirect("/start", 308, second.url("/landing", host="localhost"))
    outbound.send("POST", first.url("/start"), json={"a": 1}, auth=("user", "password-canary"))
    assert "Authorization" in first.received[0]["headers"]
    assert "Authorization" not in second.received[0]["headers"]
    assert second.received[0]["body"] == b'{"a": 1}'


# --- redirect methods --------------------------------------------------------------------

@pytest.mark.parametrize("status, method, expected_method, body_kept", [
    (307, "POST", "POST", True), (308, "PUT", "PUT", True), (303, "POST", "GET", False),
    (302, "POST", "GET", False), (301, "POST", "GET", False), (301, "PUT", "PUT", False),
])
def test_redirect_method_and_body_follow_requests_rules(status, method, expected_method, body_kept, peer):
    peer.redirect("/start", status, "/next")
    outbound.send(method, peer.url("/start"), data={"field": "value"})
    landed = peer.received[1]
    assert landed["method"] == expected_method
    assert (landed["body"] == b"field=value") is body_kept
    assert ("Content-Type" in landed["headers"]) is body_kept


def test_without_allow_redirects_a_3xx_is_returned_as_is(peer_factory):
    first, second = peer_factory(), peer_factory()
    first.redirect("/token", 302, second.url("/callback?code=abc"))
    response = outbound.send("POST", first.url("/token"), data={"grant_type": "x"}, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == second.url("/callback?code=abc")
    assert second.received == []


def test_too_many_redirects_is_an_error(peer):
    peer.redirect("/loop", 302, "/loop")
    with pytest.raises(OutboundError, match="more than 3"):
        outbound.send("GET", peer.url("/loop"), max_redirects=3)
    assert len(peer.received) == 4


# --- response size -----------------------------------------------------------------------

def stream(handler, headers, chunks, chunked=False):
    """Write a status line and headers, then the chunks (chunk-encoded if asked), until the client hangs up."""
    handler.send_response(200)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Connection", "close")
    handler.end_headers()
    for chunk in chunks:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
    if chunked:
        handler.wfile.write(b"0\r\n\r\n")


ELEVEN_MIB = [b"x" * MiB] * 11


def test_a_declared_eleven_mib_body_is_refused(peer):
    peer.route("/big", lambda h: stream(h, [("Content-Length", str(11 * MiB))], ELEVEN_MIB))
    with pytest.raises(ResponseTooLarge, match="10 MiB"):
        outbound.send("GET", peer.url("/big"))


def test_an_undeclared_body_is_cut_at_the_cap(peer):
    peer.route("/big", lambda h: stream(h, [], ELEVEN_MIB))  # no length: the body ends when the server closes
    with pytest.raises(ResponseTooLarge):
        outbound.send("GET", peer.url("/big"))


def test_a_chunked_body_is_cut_at_the_cap(peer):
    peer.route("/big", lambda h: stream(h, [("Transfer-Encoding", "chunked")], ELEVEN_MIB, chunked=True))
    with pytest.raises(ResponseTooLarge):
        outbound.send("GET", peer.url("/big"))


def test_a_lying_content_length_cannot_push_more_than_it_declares(peer):
    peer.route("/lie", lambda h: stream(h, [("Content-Length", "1000")], ELEVEN_MIB))
    assert len(outbound.send("GET", peer.url("/lie")).content) == 1000


def test_a_gzip_bomb_is_cut_at_the_cap_after_decoding(peer):
    bomb = gzip.compress(b"\0" * 11 * MiB)
    peer.route("/bomb", lambda h: respond(h, 200, [("Content-Encoding", "gzip")], bomb))
    with pytest.raises(ResponseTooLarge):
        outbound.send("GET", peer.url("/bomb"))


@pytest.mark.parametrize("size, fits", [(1000, True), (1001, False)])
def test_the_cap_is_inclusive(size, fits, peer):
    peer.route("/sized", lambda h: stream(h, [], [b"y" * size]))
    if fits:
        assert len(outbound.send("GET", peer.url("/sized"), max_bytes=1000).content) == size
    else:
        with pytest.raises(ResponseTooLarge, match="1000 bytes"):
            outbound.send("GET", peer.url("/sized"), max_bytes=1000)


def test_head_is_not_refused_for_the_size_it_declares(peer):
    peer.route("/file", lambda h: stream(h, [("Content-Length", str(50 * MiB))], []))
    response = outbound.send("HEAD", peer.url("/file"))
    assert response.status_code == 200 and response.content == b""


# --- timeouts and connection failures ----------------------------------------------------

def test_a_server_that_never_answers_times_out_quickly(silent_server):
    started = time.monotonic()
    with pytest.raises(OutboundTimeout):
        outbound.send("GET", f"http://127.0.0.1:{silent_server}/", timeout=(1, 0.5))
    assert time.monotonic() - started < 3


def test_a_body_trickling_in_is_bounded_by_the_read_timeout(peer):
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        for _ in range(100):
            handler.wfile.write(b"z")
            handler.wfile.flush()
            time.sleep(0.1)

    peer.route("/slow", trickle)
    started = time.monotonic()
    with pytest.raises(OutboundTimeout):
        outbound.send("GET", peer.url("/slow"), timeout=(1, 0.5))
    assert time.monotonic() - started < 3


def test_a_closed_port_is_a_connection_error(silent_server, peer_factory):
    closed = peer_factory()
    port = closed.port
    closed.shutdown()
    closed.server_close()
    with pytest.raises(OutboundConnectionError):
        outbound.send("GET", f"http://127.0.0.1:{port}/")


def test_an_unresolvable_name_is_a_connection_error(fake_resolver):
    fake_resolver("nowhere.example.test", [])
    with pytest.raises(OutboundConnectionError, match="resolved"):
        outbound.send("GET", "http://nowhere.example.test/")


# --- messages safe to show --------------------------------------------------------------

def shown(exc):
    """Return what a user or a logged traceback could see of exc: its message and those of its chain."""
    seen = []
    while exc is not None:
        seen.append("".join(traceback.format_exception_only(exc)))
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "".join(seen)


@pytest.mark.parametrize("make_url, error", [
    (lambda peer, silent: "http://user:pw-canary@10.0.0.1/x?api_key=query-canary", BlockedDestination),
    (lambda peer, silent: f"http://127.0.0.1:{silent}/x?api_key=query-canary", OutboundTimeout),
    (lambda peer, silent: peer.url("/big?api_key=query-canary"), ResponseTooLarge),
    (lambda peer, silent: "http://127.0.0.1:1/pw-canary?api_key=query-canary", OutboundConnectionError),
])
def test_messages_hold_no_query_string_path_or_user_info(make_url, error, peer, silent_server):
    peer.route("/big", lambda h: stream(h, [("Content-Length", str(11 * MiB))], []))
    with pytest.raises(error) as caught:
        outbound.send("GET", make_url(peer, silent_server), params={"token": "param-canary"}, timeout=(1, 0.5))
    assert "canary" not in shown(caught.value)
    assert "127.0.0.1" in str(caught.value) or "10.0.0.1" in str(caught.value)


def test_params_json_and_the_response_are_as_requests_would_make_them(peer):
    peer.route("/echo", lambda h: respond(h, 201, [("Content-Type", "application/json")], b'{"id": 7}'))
    response = outbound.send("POST", peer.url("/echo"), params={"q": "a b"}, json={"name": "x"},
                             headers={"Accept": "application/json"})
    assert response.status_code == 201 and response.json() == {"id": 7} and response.history == []
    received = peer.received[0]
    assert received["path"] == "/echo?q=a+b" and received["body"] == b'{"name": "x"}'
    assert received["headers"]["Accept"] == "application/json"
    assert b"".join(response.iter_content(2)) == b'{"id": 7}'


@pytest.mark.parametrize("timeout", [None, (None, 5), (5, None), 0, (5,)])
def test_a_missing_timeout_is_refused_before_connecting(timeout, peer, connect_spy):
    with pytest.raises(ValueError):
        outbound.send("GET", peer.url(), timeout=timeout)
    assert_untouched(peer, connect_spy)
