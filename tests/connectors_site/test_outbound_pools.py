"""Keep-alive pools that still honour the address guard (issue 12 item 1): connections are reused
(counted at real servers on 127.0.0.1), a new connection only ever goes to an address the guard
checked, even when the DNS answer changes between calls, one SSL context per CA bundle, bounded
and thread-safe pools, and per-call TLS options (client certificate, CA bundle)."""

import ssl
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors_site import guard, outbound, outbound_pools
from connectors_site.outbound import BlockedDestination, OutboundConnectionError, TLSOptions
from tests.connectors_site.conftest import _certificate, respond


def test_calls_reuse_one_connection(keepalive_peer_factory):
    server = keepalive_peer_factory()
    for _ in range(5):
        assert outbound.send("GET", server.url("/a")).content == b"kept"
    outbound.send("POST", server.url("/b"), data=b"x")
    assert (server.requests, server.connections) == (6, 1)
    assert len(outbound_pools.pools) == 1


def test_https_calls_reuse_one_connection_and_one_ssl_context(keepalive_peer_factory, test_ca, fake_resolver,
                                                              monkeypatch):
    ca_file, server_context = test_ca
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(ca_file))
    monkeypatch.setattr(outbound_pools, "_contexts", type(outbound_pools._contexts)())  # as in a new process
    loads = []
    real_load = ssl.SSLContext.load_verify_locations
    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations",
                        lambda self, *args, **kwargs: loads.append(args or kwargs) or real_load(self, *args, **kwargs))
    first, second = keepalive_peer_factory(server_context("api.example.test")), \
        keepalive_peer_factory(server_context("api.example.test"))
    fake_resolver("api.example.test", ["127.0.0.1"])
    for _ in range(3):
        for server in (first, second):
            assert outbound.send("GET", f"https://api.example.test:{server.port}/").content == b"kept"
    assert (first.connections, second.connections) == (1, 1)
    assert len(loads) == 1  # the CA bundle, once for the process, not once per connection
    assert outbound_pools.ssl_context() is outbound_pools.ssl_context()


def test_resolver_fault_a_changed_dns_answer_never_reaches_an_unchecked_address(peer, fake_resolver, settings,
                                                                              connect_spy):
    # The peer closes every connection, so each call connects anew; the answer turns private after the first.
    fake_resolver("moving.example.test", ["127.0.0.1"], ["10.0.0.7"])
    url = f"http://moving.example.test:{peer.port}/"
    for _ in range(3):
        assert outbound.send("GET", url).content == b"ok"
    assert connect_spy == [("127.0.0.1", peer.port)] * 3  # the pool's checked address, not a new answer
    assert fake_resolver.calls == ["moving.example.test"]

    settings.CONNECTORS_POOL_MAX_AGE = 0  # the route expires: resolved and checked again
    with pytest.raises(BlockedDestination, match="private"):
        outbound.send("GET", url)
    assert connect_spy == [("127.0.0.1", peer.port)] * 3
    assert len(peer.received) == 3


def test_resolver_fault_an_expired_route_is_checked_again_before_reuse(keepalive_peer_factory, fake_resolver,
                                                                      settings, connect_spy):
    server = keepalive_peer_factory()
    fake_resolver("expiring.example.test", ["127.0.0.1"], ["169.254.169.254"])
    url = f"http://expiring.example.test:{server.port}/"
    settings.CONNECTORS_POOL_MAX_AGE = 0
    assert outbound.send("GET", url).content == b"kept"
    with pytest.raises(BlockedDestination, match="link-local"):
        outbound.send("GET", url)  # the kept-alive connection is not used once the route is past its age
    assert server.requests == 1 and connect_spy == [("127.0.0.1", server.port)]


def test_turning_loopback_off_is_not_bypassed_by_a_kept_connection(keepalive_peer_factory, settings):
    server = keepalive_peer_factory()
    assert outbound.send("GET", server.url()).status_code == 200
    settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(BlockedDestination, match="loopback"):
        outbound.send("GET", server.url())
    assert server.requests == 1


def test_the_pools_are_bounded_least_recently_used_closed_first(keepalive_peer_factory, monkeypatch):
    monkeypatch.setattr(outbound_pools, "MAX_ROUTES", 2)
    servers = [keepalive_peer_factory() for _ in range(3)]
    for server in servers:
        outbound.send("GET", server.url())
    assert len(outbound_pools.pools) == 2
    outbound.send("GET", servers[0].url())  # its pool was closed: a new connection
    assert [server.connections for server in servers] == [2, 1, 1]


def test_concurrent_calls_share_the_pool_safely(keepalive_peer_factory):
    server = keepalive_peer_factory()

    def call(_):
        return outbound.send("GET", server.url()).content

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(call, range(80)))
    assert answers == [b"kept"] * 80 and server.requests == 80
    assert server.connections <= 8 + outbound_pools.MAX_CONNECTIONS
    assert len(outbound_pools.pools) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_kept_alive_connection_the_server_closed_is_replaced(keepalive_peer_factory, method):
    server = keepalive_peer_factory()
    assert outbound.send(method, server.url(), data=b"1").status_code == 200
    server.drop_connections()  # the server's keep-alive timeout
    assert outbound.send(method, server.url(), data=b"2").status_code == 200
    assert (server.requests, server.connections) == (2, 2)


def test_each_call_has_its_own_cookies(peer):
    peer.route("/set", lambda h: respond(h, 200, [("Set-Cookie", "session=abc; Path=/")], b"set"))
    outbound.send("GET", peer.url("/set"))
    outbound.send("GET", peer.url("/next"))
    assert "Cookie" not in peer.received[1]["headers"]


def test_the_call_session_has_every_attribute_of_a_requests_session():
    with guard.guarded_session() as session:
        assert set(vars(session)) == set(vars(requests.Session()))


def test_a_call_made_during_another_has_a_session_of_its_own(peer):
    """A thread keeps one session for its calls; a call an auth makes while its own call is being sent (as
    an assumed AWS role's first call does) gets another, and neither sees the other's cookies."""
    peer.route("/set", lambda h: respond(h, 200, [("Set-Cookie", "inner=1; Path=/")], b"set"))
    inner = []

    class CallingAuth(requests.auth.AuthBase):
        def __call__(self, request):
            inner.append(outbound.send("GET", peer.url("/set")).status_code)
            return request

    assert outbound.send("GET", peer.url("/outer"), auth=CallingAuth()).status_code == 200
    assert outbound.send("GET", peer.url("/after")).status_code == 200
    assert inner == [200]
    assert [request["path"] for request in peer.received] == ["/set", "/outer", "/after"]
    assert all("Cookie" not in request["headers"] for request in peer.received)
    with guard.guarded_session() as first:
        with guard.guarded_session() as second:
            assert first is not second
    with guard.guarded_session() as again:
        assert again is first and not again.cookies


@pytest.mark.parametrize("url", [
    "http://localhost:8123/v1/items", "https://API.Example.com/x?y=1", "http://[::1]:80/p", "http://u:p@h.test/x",
    "http://u:p@q@h.test:9/x", "http://h.test?x", "http://h.test#f", "http://h.test\\evil.test/x",
    "HTTPS://Example.COM:443", "http://h.test:/x", "http://[fe80::1%25eth0]:8/x", "https://xn--bcher-kva.test/",
])
def test_a_route_is_the_scheme_host_and_port_urllib3_reads(url):
    parts = requests.packages.urllib3.util.parse_url(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}[scheme]
    assert outbound_pools.route_of(url) == (scheme, parts.host.lower(), port)


# --- per-call TLS options ---------------------------------------------------------------------

def _self_signed(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = _certificate(subject, subject, key.public_key(), key).sign(key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


@pytest.fixture
def mutual_tls_server(keepalive_peer_factory, test_ca, fake_resolver, tmp_path):
    """An HTTPS server (certificate from the test CA) that requires a client certificate it trusts."""
    ca_file, server_context = test_ca
    client_cert, client_key = _self_signed("client")
    (tmp_path / "client-ca.pem").write_text(client_cert)
    context = server_context("mtls.example.test")
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(tmp_path / "client-ca.pem")
    fake_resolver("mtls.example.test", ["127.0.0.1"])
    server = keepalive_peer_factory(context)
    return server, ca_file.read_text(), client_cert, client_key


def test_tls_options_give_the_client_certificate_and_the_ca_bundle(mutual_tls_server):
    server, ca_pem, client_cert, client_key = mutual_tls_server
    url = f"https://mtls.example.test:{server.port}/"
    tls = TLSOptions(client_cert_pem=client_cert, client_key_pem=client_key, ca_bundle_pem=ca_pem)
    for _ in range(2):
        assert outbound.send("GET", url, tls=tls).content == b"kept"
    assert server.connections == 1
    with pytest.raises(OutboundConnectionError):  # without the certificate the server refuses the handshake
        outbound.send("GET", url, tls=TLSOptions(ca_bundle_pem=ca_pem))
    with pytest.raises(OutboundConnectionError, match="TLS"):  # the default bundle does not know the test CA
        outbound.send("GET", url, tls=TLSOptions(client_cert_pem=client_cert, client_key_pem=client_key))


def test_tls_options_need_a_key_with_a_certificate_and_never_show_them():
    with pytest.raises(ValueError):
        TLSOptions(client_cert_pem="-----BEGIN CERTIFICATE-----")
    shown = repr(TLSOptions(client_cert_pem="CERT", client_key_pem="PRIVATE KEY"))
    assert "PRIVATE" not in shown and "CERT" not in shown


def test_a_redirect_to_another_origin_does_not_present_the_client_certificate(peer_factory, test_ca, fake_resolver,
                                                                               tmp_path):
    # One server with two names requiring a client certificate: a hop to the other name is another origin.
    ca_file, server_context = test_ca
    client_cert, client_key = _self_signed("client")
    (tmp_path / "client-ca.pem").write_text(client_cert)
    context = server_context("mtls.example.test", "other.example.test")
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(tmp_path / "client-ca.pem")
    fake_resolver("mtls.example.test", ["127.0.0.1"])
    fake_resolver("other.example.test", ["127.0.0.1"])
    server = peer_factory(context)
    server.redirect("/same", 302, f"https://mtls.example.test:{server.port}/landed")
    server.redirect("/away", 302, f"https://other.example.test:{server.port}/landed")
    tls = TLSOptions(client_cert_pem=client_cert, client_key_pem=client_key, ca_bundle_pem=ca_file.read_text())

    assert outbound.send("GET", f"https://mtls.example.test:{server.port}/same", tls=tls).status_code == 200
    with pytest.raises(OutboundConnectionError):  # the other origin gets no certificate: the handshake fails
        outbound.send("GET", f"https://mtls.example.test:{server.port}/away", tls=tls)
    assert [request["path"] for request in server.received] == ["/same", "/landed", "/away"]
