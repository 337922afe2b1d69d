"""The outbound client's guard against real servers on 127.0.0.1: every refused target, TLS on a pinned address."""

import ipaddress

import pytest

from connectors_site import guard, outbound
from connectors_site.outbound import BlockedDestination, OutboundConnectionError
from tests.connectors_site.conftest import assert_untouched

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
    assert guard._address_problem(ipaddress.ip_address(ip)) is None


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
