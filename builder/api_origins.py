"""Where a connector's API lives: its Base URL and the origins its credentials may be sent to.

A connection's credentials are applied only to requests to the connector's API origins (RFC 9700
section 4.10, audience restriction): the Base URL's origin and the hosts the builder lists. A
listed host may start with "*." for any subdomain (S3's bucket hosts). A request elsewhere is
refused, or, when the builder allows it, sent without credentials. A path given instead of a
URL is taken relative to the Base URL.
"""

import functools
import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models

from auth_types.validators import validate_service_url

MAX_ORIGINS = 20
_HOST = re.compile(r"(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


class OtherHosts(models.TextChoices):
    REFUSE = "refuse", "Refuse them (recommended)"
    WITHOUT_CREDENTIALS = "without_credentials", "Send them without the connection's credentials"


class NotAnApiUrl(ValueError):
    """The URL or path cannot be called through the connector; the message says why."""


@functools.lru_cache(maxsize=1024)  # a pure function of the text; a proxied call asks it of the same URLs again
def origin(url):
    """Return scheme://host[:port] of url (lower case, default ports left out), or "" when it has none."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    # User info or a backslash in the authority: parsers disagree on such a URL's host, so it has none here.
    if scheme not in ("http", "https") or not host or "@" in parts.netloc or "\\" in parts.netloc:
        return ""
    try:
        port = parts.port
    except ValueError:
        return ""
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port and port != {"http": 80, "https": 443}[scheme] else "")


def clean_origin(value):
    """Return value as an origin ("https://host[:port]", host may start with "*."); raise ValidationError."""
    value = value.strip().rstrip("/")
    wildcard = "://*." in value
    parts = urlsplit(value.replace("://*.", "://wildcard.", 1) if wildcard else value)
    try:
        validate_service_url(parts._replace(path="/").geturl() if parts.scheme else value)
    except ValidationError as error:
        raise ValidationError(f"{value[:100]}: {' '.join(error.messages)}", code="invalid_origin") from None
    if parts.path or parts.query or not _HOST.fullmatch(parts.hostname or ""):
        raise ValidationError(f"{value[:100]}: give only a scheme and a host (and a port), for example "
                              "https://uploads.example.com or https://*.example.com.", code="invalid_origin")
    found = origin(parts.geturl())
    return found.replace("://wildcard.", "://*.", 1) if wildcard else found


def validate_origins(values):
    if not isinstance(values, list) or len(values) > MAX_ORIGINS:
        raise ValidationError(f"List at most {MAX_ORIGINS} origins.", code="invalid_origins")
    for value in values:
        if not isinstance(value, str) or clean_origin(value) != value:
            raise ValidationError("Each API origin is scheme://host[:port], for example https://uploads.example.com.",
                                  code="invalid_origins")


def base_url(connector, values=None):
    """Return the connector's Base URL; without one, the origin of its test request (as Security fills it in).

    With a connection's variable `values`, they are filled in (auth_types.variables.VariableProblem
    when one is missing or not usable): the API origin is then the connection's own.
    """
    if connector.base_url:
        url = connector.base_url
    else:
        url = origin(connector.test_url) if "://" in (connector.test_url or "") else ""
    return connector.filled(url, values) if values is not None else url


def api_origins(connector, values=None):
    """Return the origins the connector's credentials may be sent to: the Base URL's, then the listed ones."""
    return origins_of(connector, base_url(connector, values))


def origins_of(connector, base):
    """Return the API origins of the connector whose Base URL (its variables filled in) is `base`."""
    found = [origin(base)] if base else []
    return list(dict.fromkeys(found + list(connector.api_origins or [])))


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def resolve(connector, url, values=None):
    """Return url as an absolute URL: a path (or a URL without scheme) is taken relative to the Base URL."""
    return absolute(url, lambda: base_url(connector, values))


def absolute(url, base):
    """Return url as an absolute URL, a path taken relative to the Base URL `base()` returns (called only then)."""
    url = (url or "").strip()
    if _SCHEME.match(url):
        return url
    if url.startswith("//"):
        raise NotAnApiUrl("Give a full URL (https://...) or a path relative to the connector's Base URL.")
    base = base()
    if not base:
        raise NotAnApiUrl("This connector has no Base URL: give a full URL (https://...).")
    return base.rstrip("/") + "/" + url.lstrip("/")


def is_api_url(connector, url, values=None):
    """Return whether url is on one of the connector's API origins (a connection's, with its `values`)."""
    return matches(api_origins(connector, values), url)


def matches(origins, url):
    """Return whether url is on one of `origins` (api_origins' answer)."""
    found = origin(url)
    if not found:
        return False
    scheme, _, host = found.partition("://")
    for allowed in origins:
        if allowed == found:
            return True
        allowed_scheme, _, allowed_host = allowed.partition("://")
        if allowed_host.startswith("*.") and scheme == allowed_scheme and host.endswith(allowed_host[1:]):
            return True
    return False


def refusal(connector, url, values=None):
    """Return the message refusing to send credentials to url."""
    listed = ", ".join(api_origins(connector, values)) or "none: its builder must set a Base URL in Security"
    return (f"{origin(url) or 'This URL'} is not one of this connector's API origins ({listed}); the "
            "connection's credentials are sent only there.")
