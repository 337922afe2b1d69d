"""The one HTTP client for every call to a third-party API (token, refresh, revoke, invoke, test).

Call ``send()``. It gives every request connect and read timeouts, a cap on the response
body, and a guard that refuses any destination that is not a public address:

* The guard (connectors_site.guard) runs inside the connection: every address the host name
  resolves to is checked, once, and the socket connects to one of those very addresses.
  Loopback is allowed only while ``CONNECTORS_ALLOW_PRIVATE_NETWORKS`` is on; the guard's
  docstring says why it is our own and not requests-hardened.
* Redirects are followed here, one hop at a time, so every hop has its scheme and its
  destination checked. Once a redirect leaves the origin (scheme, host and port) of the
  first URL, the rest of the chain goes without credentials: no Authorization, Cookie or
  Proxy-Authorization header, no cookies collected on the way, and ``auth`` is not
  applied again (its headers, signatures or query parameters stay behind).
* ``http://`` is allowed only while ``CONNECTORS_ALLOW_INSECURE_HTTP`` is on, read on
  every call.
* An ``auth`` may answer a 401 challenge (HTTP Digest): when it defines
  ``handle_challenge(response) -> requests.Request | None``, a 401 is handed to it once and the
  request it returns, to the same origin, is sent as the next hop, within the same timeouts
  and size cap (and not signed by ``auth`` again).

Error messages name only the origin of a URL (never its path, query string or user
info, which may hold API keys) and never chain the library exception that would repeat
the full URL.
"""

import dataclasses
import datetime
import logging
import time
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import HTTPError, NameResolutionError, ReadTimeoutError

from connectors_site import guard
from connectors_site.outbound_pools import TLSOptions

logger = logging.getLogger(__name__)


class _WithoutQueryStrings(logging.Filter):
    """Cut query strings (which may hold API keys) from urllib3's request log lines."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(arg.split("?", 1)[0] if isinstance(arg, str) else arg for arg in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_WithoutQueryStrings())

__all__ = ["OutboundError", "BlockedDestination", "ResponseTooLarge", "OutboundTimeout",
           "OutboundConnectionError", "TLSOptions", "send"]

MAX_BYTES = 10 * 1024 * 1024
CHUNK_SIZE = 64 * 1024
ORIGIN_BOUND_HEADERS = ("Authorization", "Cookie", "Proxy-Authorization", "Host")
BODY_HEADERS = ("Content-Type", "Content-Length", "Transfer-Encoding")


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
         max_bytes=MAX_BYTES, allow_redirects=True, max_redirects=5, tls=None, stream=False) -> requests.Response:
    """Send one request through the guard and return the response with its body read.

    ``timeout`` is ``(connect, read)`` in seconds, or one number for both; the read
    timeout also bounds the time the whole body may take to arrive. ``data`` should be
    replayable (dict, list of pairs, str or bytes) as a 307/308 sends it again. With
    ``allow_redirects=False`` a 3xx response is returned as it is.
    With ``stream=True`` the final response's body is not read (unless it is small, at most
    STREAM_READ_AHEAD bytes declared): ``response.body_pending`` is then True and
    ``stream_body(response, max_bytes=...)`` yields it chunk by chunk under the cap and the
    read timeout; the caller must close the response.
    Raise an ``OutboundError`` subclass on any failure.
    """
    _read_timeout(timeout)
    hop = _Hop(method.upper(), url, params, CaseInsensitiveDict(headers or {}), data, json, auth)
    origin = _origin(url)
    history = []
    answered = False
    with guard.guarded_session() as session:
        while True:
            _check_scheme(hop.url)
            response = _send_hop(session, hop, timeout, max_bytes, tls, stream=stream)
            answer = None if answered else _challenge_answer(hop, response)
            if answer is not None:
                answered = True
                history.append(_read_now(response, timeout, max_bytes))
                hop = answer
                continue
            if not (allow_redirects and response.is_redirect):
                response.history = history
                return response
            _read_now(response, timeout, max_bytes)
            if len(history) >= max_redirects:
                raise OutboundError(f"{_safe(url)} redirected more than {max_redirects} times.")
            history.append(response)
            hop = _next_hop(hop, response, session.get_redirect_target(response))
            if _origin(hop.url) != origin:
                hop = _without_credentials(hop)
                tls = _without_client_certificate(tls)
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


def _challenge_answer(hop, response):
    """Return the hop answering a 401's challenge when the hop's auth gives one to the same origin, else None."""
    handle = getattr(hop.auth, "handle_challenge", None)
    if response.status_code != 401 or handle is None:
        return None
    request = handle(response)
    if request is None or _origin(request.url) != _origin(hop.url):
        return None
    return _Hop(request.method.upper(), request.url, request.params or None, CaseInsensitiveDict(request.headers),
                request.data or None, request.json, None)


def _without_credentials(hop):
    return dataclasses.replace(hop, headers=_without(hop.headers, ORIGIN_BOUND_HEADERS), auth=None)


def _without_client_certificate(tls):
    """The call's TLS options for another origin: its CAs still trusted, its client certificate not shown."""
    if tls is None or not tls.client_cert_pem:
        return tls
    return dataclasses.replace(tls, client_cert_pem="", client_key_pem="")


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

def _send_hop(session, hop, timeout, max_bytes, tls=None, *, stream=False):
    """Send one request without following redirects and read its body under the cap (unless streaming).

    Prepared as the session's prepare_request() would (its default headers, the call's cookies, the hop's
    auth) and handed to its adapter, without Session.send(): its merging of settings, hooks and redirect
    bookkeeping serve nothing here, and cost about a quarter of the client's CPU per call."""
    try:
        prepared = requests.PreparedRequest()
        prepared.prepare(method=hop.method, url=hop.url, headers=_merged(session.headers, hop.headers),
                         data=hop.data, params=hop.params, auth=hop.auth, cookies=session.cookies, json=hop.json)
        # cert= is how requests hands TLS settings to the adapter: the pooled adapter takes TLSOptions there.
        response = session.get_adapter(prepared.url).send(prepared, stream=True, timeout=timeout, verify=True,
                                                          cert=tls, proxies={})
    except requests.RequestException as exc:
        raise _translate(exc, hop.url, tls) from None
    except UnicodeError:
        # http.client encodes header values as Latin-1: anything else cannot be sent.
        raise OutboundError(f"The request to {_safe(hop.url)} has a header that cannot be sent "
                            "(HTTP headers are Latin-1).") from None
    if response.is_redirect or response.status_code == 401:  # a next hop may follow: it sends what was set
        extract_cookies_to_jar(session.cookies, prepared, response.raw)
    response.body_pending = False
    if stream and not _small(response):
        response.body_pending = True
        return response
    return _read_now(response, timeout, max_bytes)


def _merged(defaults, headers):
    """The session's default headers overridden by the hop's; a header set to None is left out (as requests'
    merge_setting() does, without its two runtime Protocol checks, which cost about as much as the merge)."""
    merged = CaseInsensitiveDict(defaults)
    for name, value in headers.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


# A streamed response declaring at most this many bytes is read at once (an error body, say).
STREAM_READ_AHEAD = 64 * 1024


def _small(response):
    declared = response.headers.get("Content-Length", "")
    return response.request.method == "HEAD" or (declared.isdigit() and int(declared) <= STREAM_READ_AHEAD)


def _read_now(response, timeout, max_bytes):
    """Read a response's body under the cap and close it (nothing to do when it was read already)."""
    if getattr(response, "_content_consumed", False):
        return response
    response.body_pending = False
    try:
        response._content = _read_capped(response, max_bytes, _read_timeout(timeout))
        response._content_consumed = True  # iter_content() then serves the body read here
    finally:
        response.close()
    return response


def stream_body(response, *, max_bytes):
    """Yield a streamed response's decoded body chunk by chunk; raise ResponseTooLarge past max_bytes and
    OutboundTimeout when the server stops sending for the read timeout. Close the response at the end."""
    if not getattr(response, "body_pending", False):
        yield from ([response.content] if response.content else [])
        return
    url, total = response.url, 0
    try:
        while chunk := response.raw.read1(CHUNK_SIZE, decode_content=True):
            total += len(chunk)
            if total > max_bytes:
                raise ResponseTooLarge(f"The response from {_safe(url)} is larger than {_size(max_bytes)}.")
            yield chunk
    except ReadTimeoutError:
        raise OutboundTimeout(f"{_safe(url)} stopped sending its response.") from None
    except (HTTPError, OSError):
        raise OutboundConnectionError(f"The connection to {_safe(url)} broke while reading the response.") from None
    finally:
        response.close()


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


def _translate(exc, url, tls=None):
    """Return the OutboundError for a requests exception, with a message free of secrets."""
    if isinstance(exc, requests.Timeout):
        return OutboundTimeout(f"{_safe(url)} did not answer in time.")
    if isinstance(exc, requests.exceptions.SSLError):
        return OutboundConnectionError(_tls_failure(str(exc), _safe(url), tls))
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader)):
        return OutboundError(f"The request to {_safe(url)} is not valid: check the URL and headers.")
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    if isinstance(reason, NameResolutionError):
        return OutboundConnectionError(f"The host name of {_safe(url)} could not be resolved.")
    return OutboundConnectionError(f"Could not connect to {_safe(url)}.")


def _tls_failure(text, where, tls):
    """Say why a TLS handshake failed, as far as this side can tell (TLS 1.3 servers refuse a client
    certificate by closing the connection, with no reason this side sees)."""
    if "CERTIFICATE_VERIFY_FAILED" in text:
        if "mismatch" in text:
            return f"The TLS connection to {where} failed: its server certificate is not valid for this host."
        hint = ("not by the connector's CA bundle" if tls is not None and tls.ca_bundle_pem
                else "for a server with a private CA, give the connector's CA bundle")
        return f"The TLS connection to {where} failed: its server certificate is not trusted ({hint})."
    if tls is not None and tls.client_cert_pem:
        expired = _expired_on(tls.client_cert_pem)
        if expired:
            return f"{where} refused the TLS connection: the connector's client certificate expired on {expired}."
        return (f"{where} refused the TLS connection: the connector's client certificate is not accepted there "
                "(issued by a CA the server does not trust, or revoked).")
    if "EOF" in text or "ALERT" in text.upper():
        return (f"{where} closed the TLS connection during the handshake: it may require a client certificate "
                "(mutual TLS), which the connector does not present.")
    return f"The TLS connection to {where} failed (certificate or handshake)."


def _expired_on(certificate_pem):
    """Return the date (YYYY-MM-DD) the PEM certificate expired on, or "" when it is current or unreadable."""
    from cryptography import x509

    try:
        leaf = x509.load_pem_x509_certificates(certificate_pem.encode())[0]
    except (ValueError, IndexError):
        return ""
    expires = leaf.not_valid_after_utc
    return f"{expires:%Y-%m-%d}" if expires <= datetime.datetime.now(datetime.timezone.utc) else ""


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

