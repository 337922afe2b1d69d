"""The address guard of the outbound client: connect only to public addresses, checked once.

``connectors_site.outbound.send()`` makes every connection through ``guarded_session()``:

* The guard runs when a route's keep-alive pool is made (outbound_pools): the host name is
  resolved once, every resolved address is checked, and every connection of that pool
  connects to one of the very addresses that were checked. A DNS answer that changes between
  the check and a connect (rebinding) cannot slip through, because there is no second lookup;
  a route expires after CONNECTORS_POOL_MAX_AGE seconds and is then resolved and checked
  again. TLS still sends SNI for, and verifies the certificate against, the host name of the
  URL, and the Host header keeps it too.
* Loopback (127.0.0.0/8, ::1, ``localhost``) is allowed only while the setting
  ``CONNECTORS_ALLOW_PRIVATE_NETWORKS`` is on (tests and local development); every other
  private or special range stays blocked even then. The setting is read on every call.

Why not requests-hardened (read at version 1.3.0): it checks and pins only the first
address ``getaddrinfo`` returns; on Python 3.11 (whose ``is_private`` tables predate the
fixes) it lets IPv4-compatible (``::7f00:1``), SIIT (``::ffff:0:7f00:1``) and site-local
(``fec0::/10``) addresses through; it refuses every NAT64 address, which breaks DNS64
networks; and it leaves redirects to requests, which keeps headers added by ``auth``
across hosts and checks no scheme per hop. Wrapping it would have meant replacing its
core, so this module holds its own small guard at the urllib3 level: a connection class
whose ``_new_conn`` connects to the pre-validated addresses.
"""

import collections
import dataclasses
import functools
import ipaddress
import socket
import sys
import threading

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ProtocolError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.retry import Retry
from urllib3.util.timeout import _DEFAULT_TIMEOUT

# outbound and this module import each other (outbound's send() uses the guarded session, the
# guard raises outbound's BlockedDestination and logs to outbound's logger): both look the
# other's names up when they run, so either module may be imported first.
from connectors_site import outbound, outbound_pools, special_addresses

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


# --- the guard ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Guard:
    """Resolve a host once and hand back only addresses the client may connect to."""

    allow_loopback: bool

    def resolve(self, host, port):
        """Return getaddrinfo's entries for host, or raise BlockedDestination if any is refused."""
        name = host.lower().rstrip(".")
        if name == "localhost" or name.endswith(".localhost"):
            # RFC 6761: these names are loopback; refuse them without asking a resolver.
            if not self.allow_loopback:
                raise self._refuse(host, "localhost", "a loopback address")
            name = "localhost"
        entries = socket.getaddrinfo(name, port, allowed_gai_family(), socket.SOCK_STREAM)
        if not entries:
            raise socket.gaierror(f"no address for {host}")
        for family, _, _, _, sockaddr in entries:
            if family not in (socket.AF_INET, socket.AF_INET6):
                raise self._refuse(host, sockaddr, "not an internet address")
            problem = _address_problem(ipaddress.ip_address(sockaddr[0]), allow_loopback=self.allow_loopback)
            if problem:
                raise self._refuse(host, sockaddr[0], problem)
        return entries

    @staticmethod
    def _refuse(host, address, problem):
        outbound.logger.warning("Refused outbound connection to %s (%s): %s", host, address, problem)
        shown = f"[{host}]" if ":" in host else host
        return outbound.BlockedDestination(f"Refused to connect to {shown}: it resolves to {problem}.")


def _address_problem(ip, *, allow_loopback=False):
    """Return why ip may not be contacted ("a private address", ...), or None if it may.

    The table is IANA's special-purpose registries (special_addresses), not ``ip.is_global``.
    """
    problem = special_addresses.problem_of(ip)
    if problem == special_addresses.CARRIES_IPV4:
        # NAT64 (DNS64 networks reach every IPv4-only API this way) and 6to4: the IPv4 address decides.
        if any(_address_problem(v4) for v4 in _embedded_ipv4(ip)):
            return "an IPv6 address that embeds a non-public IPv4 address"
        return None
    if problem == special_addresses.LOOPBACK and allow_loopback:
        return None
    return problem


def _embedded_ipv4(ip):
    """Yield the IPv4 address a 6to4 or NAT64 address carries."""
    if ip.sixtofour:
        yield ip.sixtofour
    if ip in _NAT64:
        yield ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)


class _PinnedConnectionMixin:
    """Connect only to the addresses the guard checked when the pool was made, never resolving again."""

    def __init__(self, *args, entries, **kwargs):
        self._entries = entries
        super().__init__(*args, **kwargs)

    def _new_conn(self):
        error = None
        for family, socktype, proto, _, sockaddr in self._entries:
            sock = socket.socket(family, socktype, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if self.timeout is not _DEFAULT_TIMEOUT:
                    sock.settimeout(self.timeout)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from error
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error


class _PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


def _pinned_pool(guard, scheme, host, port, context):
    """Return a pool for the route whose connections go only to the addresses the guard checks now."""
    kwargs = {"ssl_context": context} if scheme == "https" else {}
    pool_class = _PinnedHTTPSConnectionPool if scheme == "https" else _PinnedHTTPConnectionPool
    pool = pool_class(host, port, maxsize=outbound_pools.MAX_CONNECTIONS, block=False, **kwargs)
    # The pool's host is normalised (an IPv6 literal without brackets): that is the name resolved.
    pool.conn_kw["entries"] = guard.resolve(pool.host, port)
    return pool


class _RetryDroppedConnection(Retry):
    """Send an idempotent request once more when its connection was dropped before any answer (a kept-alive
    connection the server closed meanwhile). Everything else fails as requests' default (Retry(0, read=False))
    makes it fail: no new connection after a failed connect, a timeout or a TLS failure raised as it is."""

    def _is_read_error(self, err):
        return isinstance(err, ProtocolError)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if error is not None and not isinstance(error, ProtocolError) and not self._is_connection_error(error):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)


class _PooledAdapter(HTTPAdapter):
    """Send through the process's pools (outbound_pools), one per route, each pinned to checked addresses.

    ``cert`` (requests' argument for client certificates) carries the call's TLSOptions, or None.
    """

    def __init__(self):
        super().__init__(pool_connections=1, pool_maxsize=1,
                         max_retries=_RetryDroppedConnection(total=1, connect=0, read=1, redirect=0, status=0,
                                                             other=0, raise_on_redirect=False,
                                                             # A 429 or 503 with Retry-After is the caller's
                                                             # answer, never resent here.
                                                             respect_retry_after_header=False,
                                                             raise_on_status=False))

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        allow_loopback = bool(settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS)  # read on every call
        try:
            return outbound_pools.pools.pool_for(request.url, allow_loopback=allow_loopback, tls=cert,
                                                 make=_MAKERS[allow_loopback])
        except socket.gaierror:
            raise outbound.OutboundConnectionError(
                f"The host name of {outbound._safe(request.url)} could not be resolved.") from None

    def cert_verify(self, conn, url, verify, cert):
        """Leave the pool as it is: its SSL context (one per process) verifies, with the CA bundle loaded once."""

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        # A proxy's pools would connect without the guard; trust_env=False keeps them away.
        raise outbound.BlockedDestination("Outbound requests do not go through proxies.")

    def close(self):
        """Leave the shared pools open (outbound_pools.pools.close() closes them)."""


_ADAPTER = _PooledAdapter()
# How a new pool is made, by the loopback setting: its guard resolves and checks the host.
_MAKERS = {allow: functools.partial(_pinned_pool, _Guard(allow_loopback=allow)) for allow in (False, True)}


class _CallSession(requests.Session):
    """A Session for one call: its own cookies, the shared pooled adapter.

    requests.Session() would mount two adapters with pools of their own; this sets the same attributes
    (a test compares them with requests') and mounts the shared adapter only. Each thread keeps one for its
    calls (making one costs about as much as the rest of a call's own work): its cookies are cleared when a
    call begins and when it ends (``close()``, which ``with`` calls).
    """

    def __init__(self):
        self.headers = requests.utils.default_headers()
        self.auth = None
        self.proxies = {}
        self.hooks = requests.hooks.default_hooks()
        self.params = {}
        self.stream = False
        self.verify = True
        self.cert = None
        self.max_redirects = requests.models.DEFAULT_REDIRECT_LIMIT
        # No proxies, .netrc credentials or CA bundle from the environment.
        self.trust_env = False
        self.cookies = requests.cookies.cookiejar_from_dict({})
        self.adapters = collections.OrderedDict([("https://", _ADAPTER), ("http://", _ADAPTER)])

    def close(self):
        """End the call: forget its cookies, and free the thread's session for its next call."""
        self.cookies.clear()
        if getattr(_threads, "session", None) is self:
            _threads.busy = False


_threads = threading.local()


def guarded_session():
    """Return a requests Session for one call that only makes guarded connections, from the shared pools:
    the thread's own with no cookies, or a new one while the thread's is in use (a call made during another).
    Use it in a ``with`` block, which frees it."""
    session = getattr(_threads, "session", None)
    if session is None:
        session = _threads.session = _CallSession()
    elif _threads.busy:
        return _CallSession()
    _threads.busy = True
    session.cookies.clear()
    return session
