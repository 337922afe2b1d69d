"""The address guard of the outbound client: connect only to public addresses, checked once.

``connectors_site.outbound.send()`` makes every connection through ``guarded_session()``:

* The guard runs inside the connection: the host name is resolved once, every resolved
  address is checked, and the socket connects to one of the very addresses that were
  checked. A DNS answer that changes between the check and the connect (rebinding) cannot
  slip through, because there is no second lookup. TLS still sends SNI for, and verifies
  the certificate against, the host name of the URL, and the Host header keeps it too.
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
whose ``_new_conn`` connects to the pre-validated address.
"""

import dataclasses
import ipaddress
import socket
import sys

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

# outbound and this module import each other (outbound's send() uses the guarded session, the
# guard raises outbound's BlockedDestination and logs to outbound's logger): both look the
# other's names up when they run, so either module may be imported first.
from connectors_site import outbound, special_addresses

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


class _GuardedConnectionMixin:
    """Connect only to an address the guard validated, from the guard's single lookup."""

    def __init__(self, *args, guard, **kwargs):
        self._guard = guard
        super().__init__(*args, **kwargs)

    def _new_conn(self):
        try:
            entries = self._guard.resolve(self._dns_host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error = None
        for family, socktype, proto, _, sockaddr in entries:
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


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedPoolManager(PoolManager):
    """A PoolManager whose pools make guarded connections."""

    def __init__(self, *, guard, **kwargs):
        super().__init__(**kwargs)
        self._guard = guard
        self.pool_classes_by_scheme = {"http": _GuardedHTTPConnectionPool, "https": _GuardedHTTPSConnectionPool}

    def _new_pool(self, scheme, host, port, request_context=None):
        context = dict(self.connection_pool_kw if request_context is None else request_context)
        context["guard"] = self._guard  # passed on by the pool to every connection it makes
        return super()._new_pool(scheme, host, port, context)


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, guard):
        self._guard = guard
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        self._pool_connections, self._pool_maxsize, self._pool_block = connections, maxsize, block
        self.poolmanager = _GuardedPoolManager(guard=self._guard, num_pools=connections, maxsize=maxsize,
                                               block=block, **pool_kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        # A proxy's pools would connect without the guard; trust_env=False keeps them away.
        raise outbound.BlockedDestination("Outbound requests do not go through proxies.")


def guarded_session():
    """Return a requests Session that only makes guarded connections."""
    session = requests.Session()
    # No proxies, .netrc credentials or CA bundle from the environment.
    session.trust_env = False
    adapter = _GuardedAdapter(_Guard(allow_loopback=bool(settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS)))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
