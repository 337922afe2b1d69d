"""Real servers on 127.0.0.1 for the outbound client, and spies that watch the network from outside.

The spies observe; they do not stand in for the guard. ``connect_spy`` records every
``socket.connect`` and, as a safety net, refuses (and fails the test for) any attempt to
reach an address that is not loopback, so no test can ever send traffic off this machine.
``fake_resolver`` is the one fault a real DNS cannot show here (a name with a chosen,
changing answer); tests that use it say so in their names. Every test starts as in local
development (``local_development``), and ``assert_untouched`` checks that no socket connected.
"""

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading

import pytest
import requests.adapters
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@pytest.fixture(autouse=True)
def local_development(settings):
    """Start each test as in local development: loopback and http:// allowed."""
    settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS = True
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = True
    return settings


def assert_untouched(peer, connect_spy):
    assert connect_spy == [], "a socket was connected"
    assert peer.received == []


def respond(handler, status=200, headers=(), body=b""):
    """Write a whole response with a Content-Length and close the connection after it."""
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


class Peer(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that records each request and answers from a route table.

    A route is ``fn(handler)`` writing the response itself (see ``respond``); a path
    without a route gets ``200 ok``.
    """

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.routes = {}
        self.received = []
        self.sni = []

    @property
    def port(self):
        return self.server_address[1]

    def url(self, path="/", host="127.0.0.1", scheme="http"):
        return f"{scheme}://{host}:{self.port}{path}"

    def route(self, path, fn):
        self.routes[path] = fn

    def redirect(self, path, status, location):
        self.route(path, lambda h: respond(h, status, [("Location", location)]))

    def handle_error(self, request, client_address):
        """Stay quiet: clients hanging up mid-body is what several tests do on purpose."""


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.received.append({"method": self.command, "path": self.path,
                                     "headers": dict(self.headers.items()), "body": body})
        self.close_connection = True
        route = self.server.routes.get(self.path.split("?")[0])
        try:
            if route:
                route(self)
            else:
                respond(self, 200, [("Content-Type", "text/plain")], b"ok")
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def log_message(self, format, *args):
        pass


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server


@pytest.fixture
def peer_factory():
    """Return a function that starts another Peer; all are shut down after the test."""
    started = []

    def start(tls_context=None):
        server = Peer()
        if tls_context is not None:
            tls_context.sni_callback = lambda sock, name, ctx: server.sni.append(name)
            server.socket = tls_context.wrap_socket(server.socket, server_side=True)
        started.append(_serve(server))
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture
def peer(peer_factory):
    return peer_factory()


@pytest.fixture
def silent_server():
    """Return the port of a server that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


# --- observation of the network ---------------------------------------------------------

@pytest.fixture(autouse=True)
def connect_spy(monkeypatch):
    """Record every socket.connect; refuse and report any that is not to loopback."""
    attempts = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        attempts.append(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0].split("%")[0]
            if not ipaddress.ip_address(host).is_loopback:
                raise ConnectionRefusedError(f"test safety net: refused to connect to {host}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts
    off_machine = [a for a in attempts if isinstance(a, tuple) and not _is_loopback(a[0])]
    assert not off_machine, f"the client tried to leave the machine: {off_machine}"


def _is_loopback(host):
    return ipaddress.ip_address(host.split("%")[0]).is_loopback


@pytest.fixture
def resolver_calls(monkeypatch):
    """Record the host of every socket.getaddrinfo call and let the real resolver answer."""
    calls = []
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        calls.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


@pytest.fixture
def fake_resolver(monkeypatch):
    """Return set(name, *answers): getaddrinfo(name) then answers answers[0], answers[1], ...

    Each answer is a list of IP literals; the last answer repeats. Other names go to the
    real resolver. Every call is recorded in ``set.calls``.
    """
    real = socket.getaddrinfo
    answers = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        set_answers.calls.append(host)
        if host not in answers:
            return real(host, port, family, type, proto, flags)
        queue = answers[host]
        ips = queue.pop(0) if len(queue) > 1 else queue[0]
        return [entry for ip in ips
                for entry in real(ip, port, family, type, proto, flags | socket.AI_NUMERICHOST)]

    def set_answers(name, *ips_per_call):
        answers[name] = list(ips_per_call)

    set_answers.calls = []
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return set_answers


# --- TLS ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    """Return (CA certificate file, function issuing a server context for some DNS names)."""
    folder = tmp_path_factory.mktemp("ca")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "outbound test CA")])
    ca_cert = (_certificate(ca_name, ca_name, ca_key.public_key(), ca_key)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_key_usage(cert_sign=True), critical=True)
               .sign(ca_key, hashes.SHA256()))
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

    def server_context(*names):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        cert = (_certificate(subject, ca_name, key.public_key(), ca_key)
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_key_usage(cert_sign=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        cert_file, key_file = folder / f"{names[0]}.pem", folder / f"{names[0]}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context

    return ca_file, server_context


def _certificate(subject, issuer, public_key, signing_key):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def _key_usage(*, cert_sign):
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
                         encipher_only=False, decipher_only=False)


@pytest.fixture
def tls_peer_factory(peer_factory, test_ca, monkeypatch):
    """Return start(*names): an HTTPS Peer whose certificate, issued by the test CA, names `names`.

    The test CA becomes the trust store requests uses when verify=True, as a deployment's
    CA bundle would be; verification itself stays on.
    """
    ca_file, server_context = test_ca
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(ca_file))
    return lambda *names: peer_factory(server_context(*names))


# --- keep-alive ----------------------------------------------------------------------------

class KeepAlivePeer(http.server.ThreadingHTTPServer):
    """An HTTP/1.1 server on 127.0.0.1 that keeps connections open and counts those it accepted."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        self.connections = 0
        self.requests = 0
        self._count_lock = threading.Lock()
        self._accepted = []

    @property
    def port(self):
        return self.server_address[1]

    def url(self, path="/", host="127.0.0.1", scheme="http"):
        return f"{scheme}://{host}:{self.port}{path}"

    def get_request(self):
        accepted = super().get_request()
        with self._count_lock:
            self.connections += 1
            self._accepted.append(accepted[0])
        return accepted

    def drop_connections(self):
        """Close every connection accepted so far, as a server's keep-alive timeout does."""
        with self._count_lock:
            for sock in self._accepted:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        """Stay quiet: pools close idle connections whenever they like."""


class _KeepAliveHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with self.server._count_lock:
            self.server.requests += 1
        body = b"kept"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = _handle

    def log_message(self, format, *args):
        pass


@pytest.fixture
def keepalive_peer_factory():
    """Return start(tls_context=None): a KeepAlivePeer (HTTPS with a context); all stopped after the test."""
    started = []

    def start(tls_context=None):
        server = KeepAlivePeer()
        if tls_context is not None:
            server.socket = tls_context.wrap_socket(server.socket, server_side=True)
        started.append(_serve(server))
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def fresh_pools():
    """Start and end each test with no kept-alive pool (they live as long as the process otherwise)."""
    from connectors_site.outbound_pools import pools

    pools.close()
    yield
    pools.close()
