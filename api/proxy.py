"""The proxy: a program's request sent on through a connection, the answer streamed back.

The request goes to the connector's Base URL joined with the path the caller gives, and can
never leave it: a path with `.` or `..` segments, a scheme, a backslash, a leading `//` or an
encoded slash, backslash or dot is refused before anything is sent, the joined URL must still
be under the Base URL, and redirects are not followed (a 3xx is answered as it came). Only an
allowlist of the caller's headers is passed on; the connection's authentication is applied by
`connections.services.connection_request`, the call path of the console, through the one
outbound client (guard, timeouts). The body comes back as it arrives (never held whole), under
CONNECTORS_PROXY_MAX_BYTES.
"""

import re
import time
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.http.request import HttpHeaders

from builder.api_origins import origin

# The caller's headers passed on; every other one (its Authorization, cookies...) stays here.
REQUEST_HEADERS = (
    "Accept", "Accept-Language", "Content-Type", "Content-Language", "If-Match", "If-None-Match",
    "If-Modified-Since", "If-Unmodified-Since", "If-Range", "Range", "Idempotency-Key", "X-Request-Id",
    "Prefer", "Cache-Control",
)
# Never sent back: hop-by-hop (RFC 9110 7.6.1), credentials, and what no longer holds once the body
# is decoded and re-chunked here.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
              "proxy-authenticate", "proxy-authorization"}
CREDENTIAL_HEADERS = {"authorization", "set-cookie", "set-cookie2", "cookie", "www-authenticate",
                      "authentication-info", "proxy-authentication-info", "x-amz-security-token"}
RECODED = {"content-length", "content-encoding"}
# The caller asks for retries of 429 and 503 with this header (a number of retries).
RETRY_HEADER = "X-Proxy-Retry"
MAX_RETRIES = 3
RETRY_STATUSES = (429, 503)

_ENCODED_SEPARATOR = re.compile(r"%(2f|5c|2e|25)", re.IGNORECASE)


class PathRefused(ValueError):
    """The path would leave the Base URL; str() says why."""


def max_bytes():
    return getattr(settings, "CONNECTORS_PROXY_MAX_BYTES", 100 * 1024 * 1024)


def timeout():
    return getattr(settings, "CONNECTORS_PROXY_TIMEOUT", (5.0, 60.0))


def retry_wait_cap():
    """The longest Retry-After the proxy waits out itself, in seconds."""
    return getattr(settings, "CONNECTORS_PROXY_RETRY_MAX_WAIT", 10)


def target_url(base_url, path, query, raw_path=""):
    """Return base_url joined with path (and the query string); raise PathRefused when it would leave it."""
    if not base_url:
        raise PathRefused("This connector has no Base URL, so the proxy has nothing to join the path to.")
    for text in (path, unquote(raw_path)):
        if _ENCODED_SEPARATOR.search(text):
            raise PathRefused("The path holds an encoded slash, backslash, dot or percent sign.")
    if "\\" in path or path.startswith("/") or "://" in path or any(ord(char) < 32 or ord(char) == 127
                                                                     for char in path):
        raise PathRefused("Give a path relative to the connector's Base URL, not a URL or an absolute path.")
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments):
        raise PathRefused("The path cannot hold . or .. segments.")
    base = base_url.rstrip("/")
    url = f"{base}/{quote(path, safe='/:@!$&()*+,;=-._~')}" + (f"?{query}" if query else "")
    parts = urlsplit(url)
    if origin(url) != origin(base_url) or not (parts.path + "/").startswith(urlsplit(base).path + "/"):
        raise PathRefused("The path would leave the connector's Base URL.")
    return url


# Read from request.META: request.headers would first gather every header of the request.
_PASSED_ON = [(name, HttpHeaders.to_wsgi_name(name)) for name in REQUEST_HEADERS]
_RETRY_KEY = HttpHeaders.to_wsgi_name(RETRY_HEADER)


def request_headers(meta):
    """The caller's headers passed on, from its request's META."""
    return {name: meta[key] for name, key in _PASSED_ON if key in meta}


def response_headers(response, masker):
    """The upstream's headers to send back: no hop-by-hop, credential or re-coded ones; values masked."""
    named_by_connection = {name.strip().lower() for name in response.headers.get("Connection", "").split(",")}
    dropped = HOP_BY_HOP | CREDENTIAL_HEADERS | RECODED | named_by_connection
    return [(name, masker.header(name, value))
            for name, value in response.headers.items() if name.lower() not in dropped]


def retries_asked(meta):
    value = meta.get(_RETRY_KEY, "0").strip()
    return min(int(value), MAX_RETRIES) if value.isdigit() else 0


def retry_after_seconds(response):
    """Return the seconds Retry-After asks for (a number of seconds or an HTTP date), None when absent or bad."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return int(value)
    if value:
        from email.utils import parsedate_to_datetime

        try:
            return max(0, round(parsedate_to_datetime(value).timestamp() - time.time()))
        except (TypeError, ValueError):
            return None
    return None
