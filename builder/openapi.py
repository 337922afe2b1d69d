"""Create a Draft connector from a vendor's OpenAPI 3.x or Swagger 2.0 document.

``parse_openapi()`` reads the document (JSON or YAML, at most 5 MB, no alias bombs, no deep
nesting); ``security_schemes()`` lists what each declared security scheme would become, or why
it cannot be imported; ``connector_document_from()`` builds the connector document (the format
export, import and the catalog share) that ``builder.documents.import_document`` stores;
``import_openapi()`` does all three. ``essentials()`` is the small part of a document the import
page carries from one step to the next. Every error's ``str()`` is safe to show next to the field.
"""

import dataclasses
import json
import re
from urllib.parse import urljoin, urlsplit

import yaml
from django.core.exceptions import ValidationError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from auth_types import registry
from auth_types.validators import ServiceURLField
from connectors_site import outbound

from .documents import FORMAT, VERSION, import_document

MAX_DOCUMENT_BYTES = 5_000_000  # "5 MB"; stays under DATA_UPLOAD_MAX_MEMORY_SIZE when the page posts it back
MAX_DEPTH = 64        # the samples nest at most 16 deep
MAX_NODES = 400_000   # values after expanding aliases; a 5 MB document of real API holds ~300 000
MAX_SCOPES = 200     # the connector document's limit; the admin can add the rest in OAuth Scopes
MAX_SCHEMES = 50     # real documents declare a handful; each is validated, and each choice shown
MAX_DISCOVERIES = 3  # OpenID Connect discovery fetches per document, each up to DISCOVERY_TIMEOUT
DISCOVERY_TIMEOUT = (5, 10)
DISCOVERY_MAX_BYTES = 512 * 1024
FALLBACK_NAME = "Imported API"
IDENTITY_SEGMENTS = {"me", "user", "userinfo", "whoami", "self", "myself", "account", "profile"}
# Set by the admin in Security (their own OAuth client), so not checked here.
ADMIN_COMPLETES = ("client_id",)


class OpenAPIError(ValueError):
    """The document or the choice cannot be imported; ``str()`` says why, safe to show."""


class DocumentRefused(OpenAPIError):
    """The text is not a document this importer reads."""


class SchemeChoiceError(OpenAPIError):
    """No scheme, several, or a refused one was chosen; ``choices`` names the importable ones."""

    def __init__(self, message, choices=()):
        super().__init__(message)
        self.choices = list(choices)


@dataclasses.dataclass
class Scheme:
    """One choice a document's security schemes offer: what it becomes, or why it is refused."""

    name: str
    kind: str
    summary: str
    importable: bool
    reason: str = ""
    key: str = dataclasses.field(default="", repr=False)  # the scheme's key in the document
    auth_type: str = dataclasses.field(default="", repr=False)
    config: dict = dataclasses.field(default_factory=dict, repr=False)
    scopes: list = dataclasses.field(default_factory=list, repr=False)
    note: str = dataclasses.field(default="", repr=False)  # appended to the connector's description


class _Unusable(Exception):
    """A scheme cannot be imported; the message is the reason."""


# --- reading the document ------------------------------------------------------------------

def parse_openapi(text_or_bytes):
    """Return the document as a dict; raise DocumentRefused when it is not one we read."""
    if isinstance(text_or_bytes, str):
        if len(text_or_bytes) > MAX_DOCUMENT_BYTES:  # checked first: encoding 50 MB costs 50 MB more
            raise DocumentRefused(too_large_message())
        try:
            if len(text_or_bytes.encode("utf-8")) > MAX_DOCUMENT_BYTES:
                raise DocumentRefused(too_large_message())
        except UnicodeEncodeError:
            raise DocumentRefused(_NOT_TEXT) from None
        text = text_or_bytes.removeprefix("\ufeff")
    else:
        if len(text_or_bytes) > MAX_DOCUMENT_BYTES:
            raise DocumentRefused(too_large_message())
        try:
            text = bytes(text_or_bytes).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DocumentRefused(_NOT_TEXT) from None
    spec = _load(text)
    problem = _shape_problem(spec)
    if problem:
        raise DocumentRefused(problem)
    _check_openapi(spec)
    return spec


_NOT_TEXT = "The document is not UTF-8 text: upload the JSON or YAML file itself."
_SURROGATE = re.compile("[\ud800-\udfff]")


def too_large_message():
    return f"The document is larger than {MAX_DOCUMENT_BYTES // 1_000_000} MB, the most this page reads."


def _load(text):
    if not text.strip():
        raise DocumentRefused("The document is empty.")
    json_error = None
    if text.lstrip()[:1] in ("{", "["):
        try:
            loaded = json.loads(text)
        except RecursionError:
            raise DocumentRefused("The document nests too deeply.") from None
        except ValueError as error:
            json_error = error  # YAML also reads JSON-like text with comments or unquoted keys; try it
        else:
            return loaded
    loader = _LOADER(text)
    try:
        return loader.get_single_data()
    except _TooComplex as error:
        raise DocumentRefused(str(error)) from None
    except (yaml.YAMLError, RecursionError) as error:
        if json_error is not None:
            raise DocumentRefused(f"The document is not valid JSON: {json_error}.") from None
        raise DocumentRefused(f"The document is neither JSON nor valid YAML{_where(error)}.") from None
    finally:
        loader.dispose()


def _shape_problem(value):
    """Return why a loaded document cannot be worked with safely, or None (iteratively: no recursion).

    What walks it later (the page re-encodes parts of it) must stay shallow, and text with an
    unpaired surrogate (JSON can escape one: "\\ud800") cannot be written into a page.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str) and _SURROGATE.search(item):
            return "The document holds text that is not valid Unicode (an unpaired surrogate)."
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return f"The document nests deeper than {MAX_DEPTH} levels."
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def _where(error):
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    at = f" (line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{at}: {problem})" if at and problem else (f"{at})" if at else "")


class _TooComplex(yaml.YAMLError):
    pass


class _GuardedComposer(Composer):
    """Compose nodes while counting depth and the size aliases expand to.

    Aliases make a small text stand for a huge value ("billion laughs"), and merge keys copy
    that value for real; the expanded size of every anchored node is remembered, so an alias
    adds what it stands for, and the total is refused past MAX_NODES before anything is built.
    """

    def __init__(self):
        super().__init__()
        self._open = []          # the expanded size so far of each collection being composed
        self._anchor_sizes = {}

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            if event.anchor in self.anchors and event.anchor not in self._anchor_sizes:
                raise _TooComplex("The document's YAML refers to a node from inside itself (a recursive alias).")
            node = super().compose_node(parent, index)
            self._add(self._anchor_sizes[event.anchor])
            return node
        if len(self._open) >= MAX_DEPTH:
            raise _TooComplex(f"The document nests deeper than {MAX_DEPTH} levels.")
        self._open.append(0)
        node = super().compose_node(parent, index)
        size = 1 + self._open.pop()
        if event.anchor is not None:
            self._anchor_sizes[event.anchor] = size
        self._add(size)
        return node

    def _add(self, size):
        total = size + (self._open[-1] if self._open else 0)
        if total > MAX_NODES:
            raise _TooComplex(f"The document holds more than {MAX_NODES} values once its YAML aliases are "
                              "expanded; it is refused as a possible YAML bomb.")
        if self._open:
            self._open[-1] = total


class _PythonLoader(_GuardedComposer, Reader, Scanner, Parser, SafeConstructor, Resolver):
    def __init__(self, text):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        _GuardedComposer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml
    _LOADER = _PythonLoader
else:
    class _LibyamlLoader(_GuardedComposer, CParser, SafeConstructor, Resolver):
        """libyaml scans and parses (about ten times faster); our composer builds the nodes."""

        def __init__(self, text):
            CParser.__init__(self, text)
            _GuardedComposer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _LOADER = _LibyamlLoader


def _check_openapi(spec):
    if isinstance(spec, dict):
        version, swagger = str(spec.get("openapi", "")), str(spec.get("swagger"))
        if re.fullmatch(r"3\.\d+(\.\d+)?(-[\w.]+)?", version) or swagger == "2.0":
            return
        found = spec.get("openapi") or spec.get("swagger")
        if isinstance(found, (str, int, float)):
            raise DocumentRefused(f"The document declares version {str(found)[:20]}; only OpenAPI 3.x and "
                                  "Swagger 2.0 documents can be imported.")
    raise DocumentRefused("The document is not an OpenAPI 3.x or Swagger 2.0 document: it has no "
                          "“openapi: 3.…” or “swagger: \"2.0\"” field at the top.")


def document_title(spec):
    """Return the document's title cleaned to the builder's name rules."""
    return clean_name(_mapping(spec.get("info")).get("title")) or FALLBACK_NAME


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


# --- URLs ----------------------------------------------------------------------------------

def server_url(spec):
    """Return the absolute base URL the document names for its API, or None."""
    if _is_swagger2(spec):
        host = spec.get("host")
        if not isinstance(host, str) or not host:
            return None
        schemes = [s for s in spec.get("schemes") or [] if s in ("http", "https")]
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


def _absolute_or_none(url):
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc and "{" not in url else None


def _resolve(url, base, label):
    """Return url made absolute against base; raise _Unusable when it cannot be."""
    if not isinstance(url, str) or not url.strip():
        raise _Unusable(f"it names no {label}")
    url = url.strip()
    if urlsplit(url).scheme:
        return url
    if url.startswith("//"):
        return "https:" + url
    if not base:
        raise _Unusable(f"its {label} “{url}” is relative and the document names no absolute server URL "
                        "to resolve it against")
    return urljoin(base, url)


def _url_problem(url):
    try:
        ServiceURLField().clean(url)  # the field, not only its validator: it also refuses NUL and > 2000
    except ValidationError as error:
        return " ".join(error.messages)
    return None


# --- security schemes ----------------------------------------------------------------------

def _declared_schemes(spec):
    if _is_swagger2(spec):
        return _mapping(spec.get("securityDefinitions"))
    return _mapping(_mapping(spec.get("components")).get("securitySchemes"))


def security_schemes(spec):
    """Return a Scheme for each choice the document's security schemes offer, refused ones too."""
    declared = _declared_schemes(spec)
    if len(declared) > MAX_SCHEMES:
        raise DocumentRefused(f"The document declares {len(declared)} security schemes; at most {MAX_SCHEMES} "
                              "can be read.")
    base, choices, discoveries = server_url(spec), [], 0
    for key, raw in declared.items():
        key, raw = _key_text(key), _ref(spec, raw)
        if not isinstance(raw, dict):
            choices.append(Scheme(key, "unknown", "", False, "its definition is not an object", key=key))
            continue
        discoveries += raw.get("type") == "openIdConnect"
        if discoveries > MAX_DISCOVERIES and raw.get("type") == "openIdConnect":
            choices.append(Scheme(key, "openIdConnect", "", False, f"only the first {MAX_DISCOVERIES} OpenID "
                                  "Connect schemes of a document are looked up", key=key))
            continue
        choices += [_checked(choice) for choice in _choices_for(key, raw, base)]
    return choices


def _choices_for(key, raw, base):
    kind = str(raw.get("type", ""))
    detail = {"apiKey": raw.get("in"), "http": raw.get("scheme")}.get(kind)
    label = f"{kind} {'in ' if kind == 'apiKey' else ''}{detail}" if isinstance(detail, str) else kind
    try:
        if kind == "apiKey":
            return [_api_key(key, raw, label)]
        if kind in ("http", "basic"):  # Swagger 2 names Basic as its own type
            return [_http(key, raw, label, "basic" if kind == "basic" else str(detail).lower())]
        if kind == "oauth2":
            return _oauth2(key, raw, base)
        if kind == "openIdConnect":
            return [_openid(key, raw, base)]
        if kind == "mutualTLS":
            raise _Unusable("mutual TLS (client certificates) is not supported")
        raise _Unusable(f"the type “{kind[:40]}” is not one this importer knows")
    except _Unusable as error:
        return [Scheme(key, label, "", False, str(error), key=key)]


def _checked(choice):
    """Refuse a choice whose mapped configuration the auth type's own form would not accept."""
    if not choice.importable:
        return choice
    form = registry.get(choice.auth_type).config_form.from_stored(choice.config, {})
    form.is_valid()
    skipped = {f"{form.fields[name].label}: {error}" for name in ADMIN_COMPLETES + form.secret_fields
               if name in form.fields for error in form.errors.get(name, ())}
    problems = [problem for problem in form.error_list() if problem not in skipped]
    if problems:
        return dataclasses.replace(choice, importable=False, reason="its settings are not valid here: "
                                   + "; ".join(problems))
    return choice


def _api_key(key, raw, kind):
    location, parameter = raw.get("in"), raw.get("name")
    if location == "cookie":
        raise _Unusable("cookies are not supported as an API key location")
    if location not in ("header", "query"):
        raise _Unusable(f"“{str(location)[:20]}” is not a location an API key can be sent in (header or query)")
    if not isinstance(parameter, str) or not parameter:
        raise _Unusable("it names no parameter for the API key")
    # A short description names the key well ("Your API token"); a long one is prose: the key's name then.
    description = clean_parameter_name(raw.get("description"), limit=_SCAN_LIMIT)
    name = description if 0 < len(description) <= 50 else clean_parameter_name(key) or "API Key"
    config = {"parameters": [{"name": name, "key": parameter, "location": location}]}
    where = "the query string" if location == "query" else "a header"
    return Scheme(key, kind, f"API Key: {parameter} in {where}", True, key=key, auth_type="api_key", config=config)


def _http(key, raw, kind, scheme):
    if scheme == "basic":
        config = {"username_name": "Username", "username_key": "username",
                  "password_name": "Password", "password_key": "password"}
        return Scheme(key, kind, "Basic: the end user enters a username and a password", True, key=key,
                      auth_type="basic", config=config)
    if scheme == "bearer":
        config = {"location": "header", "parameter_name": "Bearer Token", "parameter_key": "Authorization",
                  "token_prefix": "Bearer"}
        token_format = clean_description(raw.get("bearerFormat"), 40)
        note = f"Bearer format: {token_format}." if token_format else ""
        summary = "Bearer Token: Authorization: Bearer <token>" + (f" ({token_format})" if token_format else "")
        return Scheme(key, kind, summary, True, key=key, auth_type="bearer", config=config, note=note)
    raise _Unusable(f"HTTP “{scheme[:20]}” authentication is not supported (only basic and bearer are)")


# Swagger 2's names for the OAuth2 flows, and why two flows are refused.
SWAGGER2_FLOWS = {"accessCode": "authorizationCode", "application": "clientCredentials"}
UNSAFE_FLOWS = {
    "implicit": "the implicit flow is not supported: it returns the token in the browser's address bar, "
                "and the OAuth 2.0 Security Best Current Practice deprecates it",
    "password": "the password flow is not supported: it hands the user's password to the application, "
                "and the OAuth 2.0 Security Best Current Practice deprecates it",
}


def _oauth2(key, raw, base):
    if "flows" in raw:
        flows = _mapping(raw.get("flows"))
    else:
        flow = str(raw.get("flow", ""))
        flows = {SWAGGER2_FLOWS.get(flow, flow): raw}
    if not flows:
        raise _Unusable("it declares no OAuth2 flow")
    choices = []
    for flow_name, flow in flows.items():
        name = key if len(flows) == 1 else f"{key} ({flow_name})"
        kind = f"oauth2 {flow_name}"
        try:
            choices.append(_oauth2_flow(name, kind, str(flow_name), _mapping(flow), base, key))
        except _Unusable as error:
            choices.append(Scheme(name, kind, "", False, str(error), key=key))
    return choices


def _oauth2_flow(name, kind, flow_name, flow, base, key):
    if flow_name in UNSAFE_FLOWS:
        raise _Unusable(UNSAFE_FLOWS[flow_name])
    if flow_name not in ("authorizationCode", "clientCredentials"):
        raise _Unusable(f"the OAuth2 flow “{flow_name[:30]}” is not one this importer knows")
    code = flow_name == "authorizationCode"
    refresh = flow.get("refreshUrl")
    config = _oauth2_config(
        grant_type="authorization_code" if code else "client_credentials",
        authorization_url=_resolve(flow.get("authorizationUrl"), base, "authorization URL") if code else "",
        token_url=_resolve(flow.get("tokenUrl"), base, "token URL"),
        refresh_url=_resolve(refresh, base, "refresh URL") if refresh else "",
    )
    scopes = _scopes(_mapping(flow.get("scopes")).items())
    label = "Authorization Code" if code else "Client Credentials"
    return Scheme(name, kind, f"OAuth2 {label}: {_count(scopes, 'scope')}, token URL {config['token_url']}", True,
                  key=key, auth_type="oauth2", config=config, scopes=scopes)


def _oauth2_config(**settings):
    code = settings["grant_type"] == "authorization_code"
    return {"grant_type": "", "client_id": "", "client_auth": "client_secret_basic", "authorization_url": "",
            "token_url": "", "revoke_url": "", "refresh_url": "", "bearer_name": "Bearer",
            "expiry_seconds": 3600, "pkce": code, "issuer": "", **settings}


def _scopes(pairs):
    """Return [{name, value}] from (value, description) pairs; skip values the builder cannot store."""
    scopes = []
    for value, description in pairs:
        value = _key_text(value)
        if value and len(value) <= 255 and value.isprintable() and not any(ch.isspace() for ch in value):
            scopes.append({"name": clean_scope_name(description) or value[:100], "value": value})
    return scopes[:MAX_SCOPES]


def _count(items, noun):
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _openid(key, raw, base):
    url = _resolve(raw.get("openIdConnectUrl"), base, "OpenID Connect discovery URL")
    found = fetch_discovery(url)
    for field in ("authorization_endpoint", "token_endpoint"):
        if not isinstance(found.get(field), str) or not found[field]:
            raise _Unusable(f"its discovery document has no {field}")
    grants = found.get("grant_types_supported")
    if isinstance(grants, list) and "authorization_code" not in grants:
        raise _Unusable("its provider does not offer the authorization code grant")
    methods = found.get("token_endpoint_auth_methods_supported")
    post_only = isinstance(methods, list) and "client_secret_basic" not in methods and "client_secret_post" in methods
    challenges = found.get("code_challenge_methods_supported")
    config = _oauth2_config(
        grant_type="authorization_code",
        authorization_url=found["authorization_endpoint"],
        token_url=found["token_endpoint"],
        revoke_url=found.get("revocation_endpoint") if isinstance(found.get("revocation_endpoint"), str) else "",
        issuer=found.get("issuer") if isinstance(found.get("issuer"), str) else "",
        client_auth="client_secret_post" if post_only else "client_secret_basic",
        pkce=not isinstance(challenges, list) or "S256" in challenges,
    )
    supported = found.get("scopes_supported") if isinstance(found.get("scopes_supported"), list) else []
    scopes = _scopes((value, "") for value in supported if isinstance(value, str))
    return Scheme(key, "openIdConnect", f"OAuth2 Authorization Code (OpenID Connect): {_count(scopes, 'scope')}, "
                  f"token URL {config['token_url']}", True, key=key, auth_type="oauth2", config=config, scopes=scopes)


def fetch_discovery(url):
    """Return the OpenID Connect discovery document at url; raise _Unusable with why not."""
    prefix = "its discovery document could not be fetched"
    try:
        response = outbound.send("GET", url, headers={"Accept": "application/json"}, timeout=DISCOVERY_TIMEOUT,
                                 max_bytes=DISCOVERY_MAX_BYTES)
    except outbound.OutboundError as error:
        raise _Unusable(f"{prefix}: {error}") from None
    if response.status_code != 200:
        raise _Unusable(f"{prefix}: the server answered HTTP {response.status_code}")
    try:
        found = json.loads(response.content)
    except (ValueError, RecursionError):
        raise _Unusable(f"{prefix}: it is not JSON") from None
    if not isinstance(found, dict):
        raise _Unusable(f"{prefix}: it is not a JSON object")
    return found


# --- the connector document ----------------------------------------------------------------

def choose_scheme(schemes, name=None):
    """Return the chosen Scheme; with no name, the only importable one. Raise SchemeChoiceError otherwise."""
    importable = [scheme.name for scheme in schemes if scheme.importable]
    listed = ", ".join(f"“{choice}”" for choice in importable)
    if not schemes:
        raise SchemeChoiceError("The document declares no security schemes (components.securitySchemes or "
                                "securityDefinitions), so there is no authentication to import.")
    if name is None:
        if len(importable) == 1:
            return next(scheme for scheme in schemes if scheme.importable)
        if not importable:
            reasons = "; ".join(f"{scheme.name}: {scheme.reason}" for scheme in schemes)
            raise SchemeChoiceError(f"None of the document's security schemes can be imported ({reasons}).")
        raise SchemeChoiceError(f"The document declares {len(importable)} importable security schemes; "
                                f"choose one of {listed}.", importable)
    for scheme in schemes:
        if scheme.name == name:
            if not scheme.importable:
                raise SchemeChoiceError(f"“{name}” cannot be imported: {scheme.reason}.", importable)
            return scheme
    raise SchemeChoiceError(f"“{str(name)[:80]}” is not a security scheme of this document; choose one of "
                            f"{listed or 'none: no scheme can be imported'}.", importable)


def connector_document_from(spec, scheme_name):
    """Return the connector document for the document's security scheme named scheme_name."""
    return document_for(spec, choose_scheme(security_schemes(spec), scheme_name))


def document_for(spec, scheme):
    """Return the connector document for an importable Scheme of spec."""
    info = _mapping(spec.get("info"))
    room = 255 - (len(scheme.note) + 1 if scheme.note else 0)
    description = " ".join(filter(None, [clean_description(info.get("description"), room), scheme.note]))
    connector = {
        "name": document_title(spec),
        "description": description,
        "auth_type": scheme.auth_type,
        "config": scheme.config,
        "scope_delimiter": " ",
        "scopes": scheme.scopes,
        "test_request": find_test_request(spec, scheme),
    }
    documentation = _mapping(spec.get("externalDocs")).get("url")
    if isinstance(documentation, str) and documentation.startswith("https://") and len(documentation) <= 500 \
            and not _url_problem(documentation):
        connector["documentation_url"] = documentation
    return {"format": FORMAT, "version": VERSION, "connector": connector}


def find_test_request(spec, scheme):
    """Return a GET of an identity endpoint ("/me", "/user"...) the scheme secures, or None when unsure."""
    base = server_url(spec)
    if not base or _url_problem(base):
        return None
    for path, item, operation in _identity_operations(spec):
        if _needs_parameters(spec, item, operation) or not _secured_by(spec, operation, scheme.key):
            continue
        url = base.rstrip("/") + path
        return None if _url_problem(url) else {"method": "GET", "url": url}
    return None


def _identity_operations(spec):
    """Yield (path, path item, GET operation) for each parameterless identity-like path."""
    for path, item in _mapping(spec.get("paths")).items():
        operation = _mapping(item).get("get") if isinstance(path, str) and path.startswith("/") else None
        if not isinstance(operation, dict) or "{" in path or operation.get("deprecated"):
            continue
        if path.rstrip("/").rsplit("/", 1)[-1].lower() in IDENTITY_SEGMENTS:
            yield path, item, operation


def _needs_parameters(spec, item, operation):
    declared = [*(item.get("parameters") or []), *(operation.get("parameters") or [])]
    for parameter in declared:
        parameter = _ref(spec, parameter)
        if not isinstance(parameter, dict) or parameter.get("required"):
            return True
    return False


def _secured_by(spec, operation, key):
    requirements = operation["security"] if "security" in operation else spec.get("security")
    if requirements is None:
        return True  # the document does not say; most such APIs secure every operation
    return isinstance(requirements, list) and any(isinstance(r, dict) and key in r for r in requirements)


def essentials(spec):
    """Return the parts of spec this import reads, $refs resolved: a small document to carry in a page.

    security_schemes() and document_for() give the same answers for it as for spec itself.
    """
    kept = {name: spec[name] for name in ("openapi", "swagger", "host", "basePath", "schemes", "security")
            if name in spec}
    if isinstance(spec.get("servers"), list):
        kept["servers"] = spec["servers"][:1]
    if "url" in _mapping(spec.get("externalDocs")):
        kept["externalDocs"] = {"url": spec["externalDocs"]["url"]}
    info = _mapping(spec.get("info"))
    kept["info"] = {name: _text(info.get(name))[:_SCAN_LIMIT] for name in ("title", "description") if name in info}
    schemes = {_key_text(key): _ref(spec, raw) for key, raw in _declared_schemes(spec).items()}
    if _is_swagger2(spec):
        kept["securityDefinitions"] = schemes
    else:
        kept["components"] = {"securitySchemes": schemes}
    kept["paths"] = {}
    for path, item, operation in _identity_operations(spec):
        parameters = [_ref(spec, parameter) for parameter in [*(item.get("parameters") or []),
                                                              *(operation.get("parameters") or [])]]
        get = {name: operation[name] for name in ("security",) if name in operation}
        kept["paths"][path] = {"get": {**get, "parameters": parameters}}
    return _plain(kept)


def _plain(value):
    """Return value as JSON carries it: keys as text, dates and other YAML values as text."""
    if isinstance(value, dict):
        return {_key_text(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _key_text(key):
    """Return a mapping key as JSON writes it (YAML allows true, null, numbers and dates as keys)."""
    return json.dumps(key) if key is None or isinstance(key, bool) else str(key)


def import_openapi(text, *, scheme=None, user):
    """Create a Draft connector from an OpenAPI document; see choose_scheme() for `scheme`."""
    spec = parse_openapi(text)
    return import_document(document_for(spec, choose_scheme(security_schemes(spec), scheme)), user=user)


# --- cleaning text to the builder's rules --------------------------------------------------

_NAME_CHAR = re.compile(r"[\w *\-@/!:|&~\\+]")
_DESCRIPTION_CHAR = re.compile(r"[\w ,.()\-*@/\\!:|~&]")
_DROPPED = "'\"‘’‚“”„`´"  # quotes vanish: "Netlify's" reads better as "Netlifys" than "Netlify s"
_DASHES = "‐‑‒–—―−"
_SCAN_LIMIT = 10_000      # only the start of a long description can end up in 255 characters


def strip_markdown(text):
    """Return text without Markdown: code blocks, headings, link targets, emphasis and HTML tags."""
    lines, fenced, headings = [], False, []
    for line in str(text)[:_SCAN_LIMIT].splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        elif fenced:
            continue
        elif re.match(r"#{1,6}(\s|$)", stripped):
            headings.append(stripped.lstrip("#").strip())  # a heading names a section; keep the prose
        else:
            lines.append(re.sub(r"^(>\s*)+|^([-*+]|\d+[.)])\s+", "", stripped))
    text = "\n".join(lines) if any(lines) else "\n".join(headings)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)                       # images
    text = re.sub(r"\[([^\]]*)\](\([^)]*\)|\[[^\]]*\])", r"\1", text)       # links keep their text
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", text)                    # autolinks
    text = re.sub(r"<[^>\n]{0,200}>", " ", text)                            # HTML tags
    text = re.sub(r"(\*\*|__|`)", "", text)
    return re.sub(r"(?<!\w)[*_]([^*_\n]+)[*_](?!\w)", r"\1", text)


def _text(value):
    """Return a YAML scalar as text (an unquoted title may be read as a number); '' for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else ""


def _clean(text, allowed, replacements=None):
    """Return text without Markdown, quotes dropped, other characters outside `allowed` as spaces."""
    characters = []
    for ch in strip_markdown(_text(text)):
        if ch in _DROPPED:
            continue
        ch = "-" if ch in _DASHES else (replacements or {}).get(ch, ch)
        characters.append(ch if allowed.fullmatch(ch) else " ")
    return " ".join("".join(characters).split())


def _truncate(text, limit, *, ellipsis):
    if len(text) <= limit:
        return text
    suffix = "..." if ellipsis else ""
    cut = text[: limit - len(suffix) + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[: limit - len(suffix)]
    return cut.rstrip(" ,:;-|&") + suffix


def clean_name(text):
    """Return text fit for a connector name: allowed characters, a letter/digit/_ first, at most 50."""
    return _truncate(re.sub(r"^[^\w]+", "", _clean(text, _NAME_CHAR)), 50, ellipsis=False)


def clean_parameter_name(text, limit=50):
    """Return text fit for an auth parameter's display name (a letter or digit first), at most `limit`."""
    return _truncate(re.sub(r"^[\W_]+", "", _clean(text, _NAME_CHAR)), limit, ellipsis=False)


def clean_description(text, limit=255):
    """Return text fit for a connector description: Markdown stripped, allowed characters, cut on a word."""
    cleaned = _clean(text, _DESCRIPTION_CHAR, {";": ",", "?": "."})
    return _truncate(re.sub(r" ([,.])", r"\1", cleaned), limit, ellipsis=True)


def clean_scope_name(text):
    """Return a scope's description as its display name: plain text, at most 100 characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in strip_markdown(_text(text)))
    return _truncate(" ".join(printable.split()), 100, ellipsis=True)
