"""A test PKI and TLS servers on 127.0.0.1 that require a client certificate (mutual TLS).

Everything is generated here with `cryptography` when a test asks (nothing is committed): a CA,
server certificates for 127.0.0.1, client certificates (current, expired, from another CA). A
WSGI app is served over TLS by werkzeug with Python's `ssl` module verifying the client's
certificate against the test CA (CERT_REQUIRED); the app sees the client certificate's subject in
``environ["SSL_CLIENT_SUBJECT"]`` (RFC 4514) and its SHA-256 thumbprint in ``SSL_CLIENT_SHA256``.
"""

import dataclasses
import datetime
import hashlib
import ipaddress
import os
import ssl
import tempfile
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.peers.keys import private_pem

HOST = "127.0.0.1"


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Issued:
    """A certificate and its key, in PEM."""

    certificate: str
    key: str = dataclasses.field(repr=False)
    subject: str = ""


@dataclasses.dataclass(frozen=True)
class Authority:
    name: str
    certificate: x509.Certificate
    key: object = dataclasses.field(repr=False)

    @property
    def pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def issue(self, common_name, *, server=False, days=365, not_before=None):
        """Issue a certificate for common_name (a server one names 127.0.0.1); return Issued."""
        key = ec.generate_private_key(ec.SECP256R1())
        start = not_before or _now() - datetime.timedelta(minutes=5)
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Connectors Tests"),
                             x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(self.certificate.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
                                            critical=False)
            usage = ExtendedKeyUsageOID.SERVER_AUTH
        else:
            usage = ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        certificate = builder.sign(self.key, hashes.SHA256())
        return Issued(certificate.public_bytes(serialization.Encoding.PEM).decode(), private_pem(key),
                      certificate.subject.rfc4514_string())


def authority(name="Connectors Test CA"):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = _now() - datetime.timedelta(days=1)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False, encipher_only=False,
                                                decipher_only=False), critical=True)
                   .sign(key, hashes.SHA256()))
    return Authority(name, certificate, key)


@dataclasses.dataclass(frozen=True)
class Pki:
    """One test CA, a second CA nobody trusts, and certificates from them."""

    ca: Authority
    other_ca: Authority
    server: Issued
    client: Issued
    expired_client: Issued
    stranger: Issued  # a current client certificate from the other CA


def make_pki():
    ca, other = authority(), authority("Someone Else's CA")
    return Pki(ca=ca, other_ca=other, server=ca.issue(HOST, server=True),
               client=ca.issue("connectors-client"),
               expired_client=ca.issue("connectors-expired", days=1, not_before=_now() - datetime.timedelta(days=30)),
               stranger=other.issue("connectors-stranger"))


def server_context(issued, *, client_ca_pem=None):
    """Return an SSLContext serving `issued`; with client_ca_pem it requires a client certificate from it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain reads files: write them to a private temporary directory for the moment it takes.
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        with open(cert_path, "w") as cert_file, open(key_path, "w") as key_file:
            cert_file.write(issued.certificate)
            key_file.write(issued.key)
        context.load_cert_chain(cert_path, key_path)
    if client_ca_pem:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=client_ca_pem)
    return context


class ClientCertificateHandler(WSGIRequestHandler):
    """Put the client certificate's subject and thumbprint in the WSGI environ; no access log."""

    def make_environ(self):
        environ = super().make_environ()
        der = self.connection.getpeercert(binary_form=True) if hasattr(self.connection, "getpeercert") else None
        if der:
            certificate = x509.load_der_x509_certificate(der)
            environ["SSL_CLIENT_SUBJECT"] = certificate.subject.rfc4514_string()
            environ["SSL_CLIENT_SHA256"] = hashlib.sha256(der).hexdigest()
        return environ

    def log_request(self, *args, **kwargs):
        pass

    def log_error(self, *args, **kwargs):
        pass  # refused handshakes are what some tests are about


def serve_tls(app, context):
    """Serve a WSGI app over TLS on 127.0.0.1 from a daemon thread; return (base_url, stop)."""
    server = make_server(HOST, 0, app, threaded=True, request_handler=ClientCertificateHandler, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"https://{HOST}:{server.server_port}", stop


def whoami_app(environ, start_response):
    """An API that answers who the client certificate says the caller is."""
    import json

    body = json.dumps({"subject": environ.get("SSL_CLIENT_SUBJECT"), "path": environ.get("PATH_INFO"),
                       "authorization": environ.get("HTTP_AUTHORIZATION")}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
