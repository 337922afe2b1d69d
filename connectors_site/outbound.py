"""The one HTTP client for every call to a third-party API (token, refresh, revoke, invoke, test).

Call ``send()``. It gives every request connect and read timeouts, a cap on the response
body, and a guard that refuses any destination that is not a public address:

* The guard runs inside the connection: the host name is resolved once, every resolved
  address is checked, and the socket connects to one of the very addresses that were
  checked. A DNS answer that changes between the check and the connect (rebinding) cannot
  slip through, because there is no second lookup. TLS still sends SNI for, and verifies
  the certificate against, the host name of the URL, and the Host header keeps it too.
* Redirects are followed here, one hop at a time, so every hop has its scheme and its
  destination checked. Once a redirect leaves the origin (scheme, host and port) of the
  first URL, the rest of the chain goes without credentials: no Authorization, Cookie or
  Proxy-Authorization header, no cookies collected on the way, and ``auth`` is not
  applied again (its headers, signatures or query parameters stay behind).
* Loopback (127.0.0.0/8, ::1, ``localhost``) is allowed only while the setting
  ``CONNECTORS_ALLOW_PRIVATE_NETWORKS`` is on (tests and local development); every other
  private or special range stays blocked even then. ``http://`` is allowed only while
  ``CONNECTORS_ALLOW_INSECURE_HTTP`` is on. Both are read on every call.

Why not requests-hardened (read at version 1.3.0): it checks and pins only the first
address ``getaddrinfo`` returns; on Python 3.11 (whose ``is_private`` tables predate the
fixes) it lets IPv4-compatible (``::7f00:1``), SIIT (``::ffff:0:7f00:1``) and site-local
(``fec0::/10``) addresses through; it refuses every NAT64 address, which breaks DNS64
networks; and it leaves redirects to requests, which keeps headers added by ``auth``
across hosts and checks no scheme per hop. Wrapping it would have meant replacing its
core, so this module holds its own small guard at the urllib3 level: a connection class
whose ``_new_conn`` connects to the pre-validated address.

Error messages name only the origin of a URL (never its path, query string or user
info, which may hold API keys) and never chain the library exception that would repeat
the full URL.
"""

import dataclasses
import ipaddress
import logging
import socket
import sys
import time
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NameResolutionError, NewConnectionError
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

logger = logging.getLogger(__name__)


class _WithoutQueryStrings(logging.Filter):
    """Cut query strings (which may hold API keys) from urllib3's request log lines."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(arg.split("?", 1)[0] if isinstance(arg, str) else arg for arg in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_WithoutQueryStrings())

__all__ = ["OutboundError", "BlockedDestination", "ResponseTooLarge", "OutboundTimeout",
           "OutboundConnectionError", "send"]

MAX_BYTES = 10 * 1024 * 1024
CHUNK_SIZE = 64 * 1024
ORIGIN_BOUND_HEADERS = ("Authorization", "Cookie", "Proxy-Authorization", "Host")
BODY_HEADERS = ("Content-Type", "Content-Length", "Transfer-Encoding")

# Ranges that Python 3.11's ipaddress still calls global.
_EXTRA_BLOCKED_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    "100.64.0.0/10",   # carrier-grade NAT: reaches the provider's internal workloads
    "192.88.99.0/24",  # 6to4 relay anycast
    "64:ff9b:1::/48",  # local-use NAT64
    "fec0::/10",       # deprecated site-local, still routed inside some networks
    "5f00::/16",       # SRv6 segment identifiers
    "3fff::/20",       # documentation
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundError(Exception):
    """An outbound request failed; ``str()`` is safe to show to the user."""


class BlockedDestination(OutboundError):
    """The URL's scheme or address is not one the client may contact."""


class ResponseTooLarge(OutboundError):
    """The response body is larger than the cap."""


class OutboundTimeout(OutboundError):
    """The server did not connect, answer or finish the body in time."""


class OutboundConnectionError(OutboundError):
    """The connection failed: name resolution, refused, reset, TLS."""


def send(method, url, *, params=None, headers=None, data=None, json=None, auth=None, timeout=(5, 30),
         max_bytes=MAX_BYTES, allow_redirects=True, max_redirects=5) -> requests.Response:
    """Send one request through the guard and return the response with its body read.

    ``timeout`` is ``(connect, read)`` in seconds, or one number for both; the read
    timeout also bounds the time the whole body may take to arrive. ``data`` should be
    replayable (dict, list of pairs, str or bytes) as a 307/308 sends it again. With
    ``allow_redirects=False`` a 3xx response is returned as it is.
    Raise an ``OutboundError`` subclass on any failure.
    """
    _read_timeout(timeout)
    hop = _Hop(method.upper(), url, params, CaseInsensitiveDict(headers or {}), data, json, auth)
    origin = _origin(url)
    history = []
    with _guarded_session() as session:
        while True:
            _check_scheme(hop.url)
            response = _send_hop(session, hop, timeout, max_bytes)
            if not (allow_redirects and response.is_redirect):
                response.history = history
                return response
            if len(history) >= max_redirects:
                raise OutboundError(f"{_safe(url)} redirected more than {max_redirects} times.")
            history.append(response)
            hop = _next_hop(hop, response, session.get_redirect_target(response))
            if _origin(hop.url) != origin:
                hop = _without_credentials(hop)
                session.cookies.clear()


# --- redirects ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Hop:
    """What to send on one hop of a redirect chain."""

    method: str
    url: str
    params: object
    headers: CaseInsensitiveDict
    data: object
    json: object
    auth: object


def _next_hop(hop, response, location):
    """Return the hop a redirect asks for, with method and body as requests would rewrite them."""
    method, status = hop.method, response.status_code
    if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
        method = "GET"
    headers, data, json = hop.headers, hop.data, hop.json
    if status not in (307, 308):
        headers = _without(headers, BODY_HEADERS)
        data = json = None
    url = requests.utils.requote_uri(urljoin(response.url, location))
    # The Location is a whole URL: the first hop's params are already in response.url.
    return dataclasses.replace(hop, method=method, url=url, params=None, headers=headers, data=data, json=json)


def _without_credentials(hop):
    return dataclasses.replace(hop, headers=_without(hop.headers, ORIGIN_BOUND_HEADERS), auth=None)


def _without(headers, names):
    kept = CaseInsensitiveDict(headers)
    for name in names:
        kept.pop(name, None)
    return kept


def _origin(url):
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").rstrip("."), port


def _check_scheme(url):
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and settings.CONNECTORS_ALLOW_INSECURE_HTTP):
        return
    raise BlockedDestination(f"Refused {_safe(url)}: only https:// URLs may be called.")


# --- one hop ---------------------------------------------------------------------------

def _send_hop(session, hop, timeout, max_bytes):
    """Send one request without following redirects and read its body under the cap."""
    request = requests.Request(hop.method, hop.url, params=hop.params, headers=hop.headers,
                               data=hop.data, json=hop.json, auth=hop.auth)
    try:
        prepared = session.prepare_request(request)
        response = session.send(prepared, stream=True, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise _translate(exc, hop.url) from None
    try:
        response._content = _read_capped(response, max_bytes, _read_timeout(timeout))
        response._content_consumed = True  # iter_content() then serves the body read here
    finally:
        response.close()
    return response


def _read_timeout(timeout):
    """Return the read part of timeout; refuse a missing one, which would let a server hold us forever."""
    parts = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    if len(parts) != 2 or any(part is None or part <= 0 for part in parts):
        raise ValueError("send() needs positive connect and read timeouts.")
    return parts[1]


def _read_capped(response, max_bytes, time_limit):
    """Return the decoded body; stop as soon as it passes max_bytes or time_limit seconds."""
    url = response.url
    declared = response.headers.get("Content-Length", "")
    # A HEAD response declares the size of a body it does not send.
    if response.request.method != "HEAD" and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"The response from {_safe(url)} is larger than {_size(max_bytes)}.")
    deadline = time.monotonic() + time_limit
    chunks, total = [], 0
    try:
        # read1 returns whatever has arrived, so a trickling body meets the deadline check;
        # bytes are counted after decoding, so a small gzip body cannot inflate past the cap.
        while chunk := response.raw.read1(CHUNK_SIZE, decode_content=True):
            total += len(chunk)
            if total > max_bytes:
                raise ResponseTooLarge(f"The response from {_safe(url)} is larger than {_size(max_bytes)}.")
            if time.monotonic() > deadline:
                raise OutboundTimeout(f"{_safe(url)} took longer than {time_limit} s to send its response.")
            chunks.append(chunk)
    except ReadTimeoutError:
        raise OutboundTimeout(f"{_safe(url)} stopped sending its response.") from None
    except (HTTPError, OSError):
        raise OutboundConnectionError(f"The connection to {_safe(url)} broke while reading the response.") from None
    return b"".join(chunks)


def _translate(exc, url):
    """Return the OutboundError for a requests exception, with a message free of secrets."""
    if isinstance(exc, requests.Timeout):
        return OutboundTimeout(f"{_safe(url)} did not answer in time.")
    if isinstance(exc, requests.exceptions.SSLError):
        return OutboundConnectionError(f"The TLS connection to {_safe(url)} failed (certificate or handshake).")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader)):
        return OutboundError(f"The request to {_safe(url)} is not valid: check the URL and headers.")
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    if isinstance(reason, NameResolutionError):
        return OutboundConnectionError(f"The host name of {_safe(url)} could not be resolved.")
    return OutboundConnectionError(f"Could not connect to {_safe(url)}.")


def _safe(url):
    """Return the origin of url for messages: no user info, path or query string."""
    try:
        scheme, host, port = _origin(url)
    except ValueError:
        return "the URL"
    if not scheme or not host:
        return "the URL"
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def _size(n):
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n} bytes"


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
        logger.warning("Refused outbound connection to %s (%s): %s", host, address, problem)
        shown = f"[{host}]" if ":" in host else host
        return BlockedDestination(f"Refused to connect to {shown}: it resolves to {problem}.")


def _address_problem(ip, *, allow_loopback=False):
    """Return why ip may not be contacted ("a private address", ...), or None if it may."""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        if any(_address_problem(v4) for v4 in _embedded_ipv4(ip)):
            return "an IPv6 address that embeds a non-public IPv4 address"
        if ip in _NAT64:
            # DNS64 networks reach every IPv4-only API this way; the embedded address was checked.
            return None
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_link_local:
        return "a link-local address"
    if not ip.is_global or ip.is_reserved or any(ip in net for net in _EXTRA_BLOCKED_NETWORKS):
        return "a private or reserved address"
    return None


def _embedded_ipv4(ip):
    """Yield the IPv4 addresses a 6to4, Teredo or NAT64 address carries."""
    if ip.sixtofour:
        yield ip.sixtofour
    if ip.teredo:
        yield from ip.teredo
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
        raise BlockedDestination("Outbound requests do not go through proxies.")


def _guarded_session():
    """Return a requests Session that only makes guarded connections."""
    session = requests.Session()
    # No proxies, .netrc credentials or CA bundle from the environment.
    session.trust_env = False
    adapter = _GuardedAdapter(_Guard(allow_loopback=bool(settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS)))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
