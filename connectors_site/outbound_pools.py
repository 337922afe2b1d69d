"""Keep-alive pools for the outbound client that still honour the address guard.

A pool belongs to one route: scheme, host, port, the loopback setting and the TLS options of a
call. It is made when the route is first used: the guard resolves the host then, once, and the
pool's connections connect only to the addresses it checked (``guard.PinnedConnection``), however
many connections the pool opens later. A route lives ``CONNECTORS_POOL_MAX_AGE`` seconds at most
(default 30, a short stand-in for the DNS TTL that ``getaddrinfo`` does not give): then its pool is
closed and the next call resolves and checks the host again. A DNS answer that changes between calls
therefore never leads to a connection to an address the guard did not check.

Pools are kept per process (``MAX_ROUTES`` at most, the least recently used closed first; up to
``MAX_CONNECTIONS`` idle connections each), thread-safe. One SSL context is made per process for each
CA bundle and client certificate, with the bundle loaded once (not once per connection).

Per-call TLS options (``TLSOptions``) give a client certificate for mutual TLS and the CAs to trust;
connections made with a client certificate are never shared with calls that have another.
"""

import collections
import dataclasses
import functools
import hashlib
import os
import re
import ssl
import tempfile
import threading
import time

import requests.adapters
from django.conf import settings
from urllib3.util import parse_url
from urllib3.util.ssl_ import create_urllib3_context

MAX_ROUTES = 256
MAX_CONNECTIONS = 10  # idle connections kept per route; more are opened when needed, and closed after use
MAX_CONTEXTS = 64


@dataclasses.dataclass(frozen=True)
class TLSOptions:
    """TLS settings of one call: a client certificate for mutual TLS, and the CAs to trust.

    ``client_cert_pem``: the certificate chain in PEM, leaf first; ``client_key_pem``: its private key in
    PEM, unencrypted (it comes from the encrypted store); ``ca_bundle_pem``: PEM CA certificates to trust
    instead of the default bundle. Empty strings leave each as by default.
    """

    client_cert_pem: str = ""
    client_key_pem: str = ""
    ca_bundle_pem: str = ""

    def __post_init__(self):
        if bool(self.client_cert_pem) != bool(self.client_key_pem):
            raise ValueError("TLSOptions needs both a client certificate and its key, or neither.")

    def __repr__(self):
        return f"TLSOptions(client_cert={'yes' if self.client_cert_pem else 'no'}, " \
               f"ca_bundle={'yes' if self.ca_bundle_pem else 'no'})"

    @property
    def digest(self):
        """Name these options in pool and context keys without keeping the key material there."""
        parts = (self.client_cert_pem, self.client_key_pem, self.ca_bundle_pem)
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()


# --- SSL contexts ------------------------------------------------------------------------

_contexts = collections.OrderedDict()
_contexts_lock = threading.Lock()


def ssl_context(tls=None):
    """Return the SSL context for these TLS options, made once per process per CA bundle and client
    certificate. Without a CA bundle in the options, requests' (certifi's) bundle is trusted."""
    default_bundle = requests.adapters.DEFAULT_CA_BUNDLE_PATH  # read per call: tests point it at their CA
    key = (default_bundle, tls.digest if tls else None)
    with _contexts_lock:
        context = _contexts.get(key)
        if context is not None:
            _contexts.move_to_end(key)
            return context
    context = _new_context(default_bundle, tls)
    with _contexts_lock:
        context = _contexts.setdefault(key, context)
        while len(_contexts) > MAX_CONTEXTS:
            _contexts.popitem(last=False)
    return context


def _new_context(default_bundle, tls):
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    if tls and tls.ca_bundle_pem:
        context.load_verify_locations(cadata=tls.ca_bundle_pem)
    else:
        context.load_verify_locations(cafile=default_bundle)
    if tls and tls.client_cert_pem:
        _load_client_certificate(context, tls)
    return context


def _load_client_certificate(context, tls):
    """Load the client certificate and key: ssl reads them from files only, so from an anonymous in-memory
    file where the system has them (Linux), else from a private temporary file removed at once."""
    pem = (tls.client_cert_pem.strip() + "\n" + tls.client_key_pem.strip() + "\n").encode()
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("client-certificate", os.MFD_CLOEXEC)
        try:
            os.write(fd, pem)
            context.load_cert_chain(f"/proc/self/fd/{fd}")
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory() as folder:  # mode 0700
        path = os.path.join(folder, "client.pem")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as file:
            file.write(pem)
        context.load_cert_chain(path)


# --- pools -------------------------------------------------------------------------------

# A URL up to the end of its authority, as urllib3's parse_url splits it (RFC 3986: "/", "?", "#"; and "\\").
_AUTHORITY = re.compile(r"[^:/?#]*:(?://[^\\/?#]*)?")


def route_of(url):
    """Return (scheme, host in lower case, port) of url as urllib3's parse_url reads them, parsed once per
    scheme, host and port (user info left out of what is kept)."""
    found = _AUTHORITY.match(url)
    beginning = found.group() if found else url
    if "@" in beginning:
        scheme, _, authority = beginning.partition("//")
        beginning = f"{scheme}//{authority.rpartition('@')[2]}"
    return _route_of(beginning)


@functools.lru_cache(maxsize=1024)
def _route_of(beginning):
    parts = parse_url(beginning)
    scheme = (parts.scheme or "").lower()
    return scheme, (parts.host or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


@dataclasses.dataclass
class _Route:
    pool: object
    made_at: float


class Pools:
    """The process's pools, one per route, made by ``make(scheme, host, port, tls)``."""

    def __init__(self):
        self._routes = collections.OrderedDict()
        self._lock = threading.Lock()

    def pool_for(self, url, *, allow_loopback, tls, make):
        """Return the pool for url's route, made by make(scheme, host, port, context) when the route is new
        or older than CONNECTORS_POOL_MAX_AGE (make resolves and checks the host)."""
        scheme, host, port = route_of(url)
        bundle = requests.adapters.DEFAULT_CA_BUNDLE_PATH if scheme == "https" else None
        key = (scheme, host, port, allow_loopback, tls.digest if tls else None, bundle)
        now = time.monotonic()
        made_after = now - float(settings.CONNECTORS_POOL_MAX_AGE)  # read on every call
        with self._lock:
            route = self._routes.get(key)
            if route is not None and route.made_at > made_after:
                self._routes.move_to_end(key)
                return route.pool
            stale = self._routes.pop(key, None)
        if stale is not None:
            stale.pool.close()
        context = ssl_context(tls) if scheme == "https" else None
        pool = make(scheme, host, port, context)
        evicted = []
        with self._lock:
            route = self._routes.get(key)
            if route is not None and route.made_at > made_after:
                evicted.append(pool)  # another thread made it meanwhile: use theirs
                pool = route.pool
            else:
                if route is not None:
                    evicted.append(route.pool)
                self._routes[key] = _Route(pool, now)
            self._routes.move_to_end(key)
            while len(self._routes) > MAX_ROUTES:
                evicted.append(self._routes.popitem(last=False)[1].pool)
        for old in evicted:
            old.close()
        return pool

    def close(self):
        """Close every pool (at shutdown; in tests)."""
        with self._lock:
            routes, self._routes = list(self._routes.values()), collections.OrderedDict()
        for route in routes:
            route.pool.close()

    def __len__(self):
        return len(self._routes)


pools = Pools()
