"""Read values out of a parsed document: $refs, keys, its server URL and the URLs it names."""

import json
import re
from urllib.parse import urljoin, urlsplit

from django.core.exceptions import ValidationError

from auth_types.base import OpenAPISchemeRefused
from auth_types.validators import ServiceURLField


def _is_swagger2(spec):
    return "openapi" not in spec


def _ref(spec, value, hops=10):
    """Return value with local $refs ("#/a/b") followed; None for a $ref that leads nowhere."""
    while isinstance(value, dict) and "$ref" in value:
        pointer = value["$ref"]
        if hops == 0 or not isinstance(pointer, str) or not pointer.startswith("#/"):
            return None
        value, hops = spec, hops - 1
        for part in pointer[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            value = value.get(part) if isinstance(value, dict) else None
    return value


def _mapping(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    """Return value when the document has a list there, else an empty one (documents can be wrong)."""
    return value if isinstance(value, list) else []


def server_url(spec):
    """Return the absolute base URL the document names for its API, or None."""
    if _is_swagger2(spec):
        host = spec.get("host")
        if not isinstance(host, str) or not host:
            return None
        schemes = [s for s in _list(spec.get("schemes")) if s in ("http", "https")]
        # Prefer https when the document offers it: the builder refuses plain http in production.
        scheme = "https" if "https" in schemes or not schemes else schemes[0]
        base_path = spec.get("basePath") if isinstance(spec.get("basePath"), str) else ""
        return _absolute_or_none(f"{scheme}://{host}{base_path}")
    servers = spec.get("servers")
    server = servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], dict) else {}
    url, variables = server.get("url"), _mapping(server.get("variables"))
    if not isinstance(url, str):
        return None

    def default(match):
        value = _mapping(variables.get(match.group(1))).get("default")
        return str(value) if isinstance(value, (str, int)) else match.group(0)

    url = re.sub(r"\{([^{}]*)\}", default, url)
    if url.startswith("//"):
        url = "https:" + url
    return _absolute_or_none(url)


# Names reserved for examples and tests (RFC 2606, RFC 6761): no real API lives there.
RESERVED_DOMAINS = ("example", "example.com", "example.net", "example.org", "test", "invalid", "localhost")


def placeholder_host(spec):
    """Return why the host of the document's (first) server is a placeholder, or "" when it looks real.

    A host given by a server variable ("https://{domain}/api") is its default, an example of one;
    a reserved name (api.example.com, localhost) or a loopback address never is an API's real host.
    """
    url = server_url(spec)
    if not url:
        return ""
    if not _is_swagger2(spec):
        template = _mapping(spec["servers"][0]).get("url", "")
        authority = template.split("://", 1)[-1].split("/", 1)[0]
        names = re.findall(r"\{([^{}]*)\}", authority)
        if names:
            listed = ", ".join(f"{{{name}}}" for name in names)
            return f"it comes from the server variable{'s' if len(names) > 1 else ''} {listed}, whose default is " \
                   "only an example"
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for domain in RESERVED_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return f"{domain} is a name reserved for examples"
    if host.startswith("127.") or host in ("::1", "0.0.0.0"):
        return "it is the local machine"
    return ""


def _absolute_or_none(url):
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc and "{" not in url else None


def _resolve(url, base, label):
    """Return url made absolute against base; raise OpenAPISchemeRefused when it cannot be."""
    if not isinstance(url, str) or not url.strip():
        raise OpenAPISchemeRefused(f"it names no {label}")
    url = url.strip()
    if urlsplit(url).scheme:
        return url
    if url.startswith("//"):
        return "https:" + url
    if not base:
        raise OpenAPISchemeRefused(f"its {label} “{url}” is relative and the document names no absolute server "
                                   "URL to resolve it against")
    return urljoin(base, url)


def _url_problem(url):
    try:
        ServiceURLField().clean(url)  # the field, not only its validator: it also refuses NUL and > 2000
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def _declared_schemes(spec):
    if _is_swagger2(spec):
        return _mapping(spec.get("securityDefinitions"))
    return _mapping(_mapping(spec.get("components")).get("securitySchemes"))


def _key_text(key):
    """Return a mapping key as JSON writes it (YAML allows true, null, numbers and dates as keys)."""
    return json.dumps(key) if key is None or isinstance(key, bool) else str(key)
