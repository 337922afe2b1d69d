"""Build the connector document for a chosen scheme, and import it as a Draft connector."""

import re

from django.core.exceptions import ValidationError

from auth_types import variables as connection_variables

from ..api_origins import MAX_ORIGINS, origin
from ..documents import FORMAT, VERSION, import_document
from .base import SchemeChoiceError
from .parsing import parse_openapi
from .schemes import security_schemes
from .spec import _is_swagger2, _list, _mapping, _ref, _url_problem, placeholder_host, server_url
from .text import clean_description, clean_name

FALLBACK_NAME = "Imported API"
IDENTITY_SEGMENTS = {"me", "user", "userinfo", "whoami", "self", "myself", "account", "profile"}


def document_title(spec):
    """Return the document's title cleaned to the builder's name rules."""
    return clean_name(_mapping(spec.get("info")).get("title")) or FALLBACK_NAME


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
    base, template = server_url(spec), server_template(spec)
    if base and not _url_problem(base):
        connector["base_url"] = base
        others = _other_origins(spec, base)
        if others:
            connector["api_origins"] = others
    if template:
        # The server's host variables ({yourOktaDomain}) become connection variables: each end user gives their
        # own, and the test request goes to the connection's own host (a path relative to the Base URL).
        connector["base_url"], connector["variables"] = template
        test = connector.get("test_request")
        if test and base and test["url"].startswith(base.rstrip("/") + "/"):
            test["url"] = test["url"][len(base.rstrip("/")):]
    documentation = _mapping(spec.get("externalDocs")).get("url")
    if isinstance(documentation, str) and documentation.startswith("https://") and len(documentation) <= 500 \
            and not _url_problem(documentation):
        connector["documentation_url"] = documentation
    return {"format": FORMAT, "version": VERSION, "connector": connector}


def server_template(spec):
    """Return (Base URL template, connection variable definitions) from the first server's variables, or None.

    A variable that is the whole host with a dotted default ("subdomain.okta.com") becomes the
    host's first label ({your_okta_domain}.okta.com): a value is then a DNS label and never another
    domain. One with an enum is a choice; any other a DNS label. Variables in the path take their
    default, as before.
    """
    servers = _list(spec.get("servers")) if "openapi" in spec else []
    server = servers[0] if servers and isinstance(servers[0], dict) else {}
    url, declared = server.get("url"), _mapping(server.get("variables"))
    if not isinstance(url, str) or "{" not in url or not declared:
        return None
    definitions = {}

    def replace(match):
        original, at_host = match.group(1), match.start() == 0
        name = re.sub(r"[^a-z0-9_]", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", original).lower())[:50]
        name = name if re.match(r"[a-z_]", name) else f"v_{name}"[:50]
        found = _mapping(declared.get(original))
        default = str(found.get("default") or "")
        enum = [str(value) for value in _list(found.get("enum")) if isinstance(value, (str, int))]
        label = clean_name(found.get("description")) or original
        described = clean_description(found.get("description"), 300) or ""
        definition = {"name": name, "label": label, "help": described if described != label else ""}
        suffix = ""
        if enum:
            definition.update(kind=connection_variables.CHOICE, choices=enum)
        else:
            definition["kind"] = connection_variables.DNS_LABEL
            if at_host and "." in default:
                suffix = "." + default.split(".", 1)[1]
                definition["help"] = " ".join(filter(None, [definition["help"], f"Your address is …{suffix}: give "
                                                            "the part before it."]))
        definitions.setdefault(name, definition)
        return "{" + name + "}" + suffix

    def default(match):
        value = _mapping(declared.get(match.group(1))).get("default")
        return str(value) if isinstance(value, (str, int)) else match.group(0)

    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if not sep or "{" not in authority:
        return None  # the host is fixed: the server's defaults fill the rest (server_url)
    authority = re.sub(r"\{([^{}/]+)\}", replace, authority)
    template = scheme + sep + authority + slash + re.sub(r"\{([^{}]*)\}", default, path)
    if template.startswith("//"):
        template = "https:" + template
    try:
        cleaned = connection_variables.clean_definitions(list(definitions.values()))
    except ValidationError:
        return None
    if _url_problem(template) or not template.startswith(("https://", "http://")):
        return None
    return template, cleaned


def _other_origins(spec, base):
    """Return the origins of the document's further servers (the first is the Base URL): credentials may go
    there, unless their host is a placeholder."""
    found = []
    for server in _further_servers(spec):
        url = server_url({**spec, "servers": [server]})
        if url and not _url_problem(url) and origin(url) not in (origin(base), *found) \
                and not placeholder_host({**spec, "servers": [server]}):
            found.append(origin(url))
    return found[:MAX_ORIGINS]


def _further_servers(spec):
    servers = spec.get("servers") if isinstance(spec.get("servers"), list) and not _is_swagger2(spec) else []
    return servers[1:]


def import_warnings(spec, scheme):
    """Return what the admin should know about importing spec with scheme: placeholders, what was left out."""
    return [*server_warnings(spec), *scheme.warnings]


def server_warnings(spec):
    """Return what the admin should know about the document's servers: a placeholder host, no usable URL."""
    warnings = []
    base, first = server_url(spec), _list(spec.get("servers"))[:1]
    why, template = placeholder_host(spec), server_template(spec)
    if template:
        listed = ", ".join(f"{{{variable['name']}}}" for variable in template[1])
        warnings.append(f"The document's server URL has its host in variables: the Base URL is {template[0]}, and "
                        f"{listed} {'are connection variables' if len(template[1]) > 1 else 'is a connection variable'}"
                        " each end user gives at Add Connection.")
    elif base and why:
        warnings.append(f"The document's server URL {base} has a placeholder host ({why}): it is the connector's "
                        "Base URL until you enter your API's real one in Security.")
    elif not base and first and not _is_swagger2(spec):
        template = str(_mapping(first[0]).get("url", ""))[:200]
        warnings.append(f"The document's server URL “{template}” is not a full URL (a relative path, or a variable "
                        "without a default), so the connector has no Base URL: enter it in Security.")
    skipped = [str(_mapping(server).get("url", ""))[:200] for server in _further_servers(spec)
               if server_url({**spec, "servers": [server]}) and placeholder_host({**spec, "servers": [server]})]
    if skipped:
        listed = ", ".join(f"“{url}”" for url in skipped[:3])
        warnings.append(f"Not added as API origins, their hosts being placeholders: {listed}. Add your own in Security "
                        "if the connection's credentials should go there.")
    return warnings


def find_test_request(spec, scheme):
    """Return a GET of an identity endpoint ("/me", "/user"...) the scheme secures, or None when unsure.

    Under a placeholder host the path is relative to the Base URL, so entering the real one fixes both.
    """
    base = server_url(spec)
    if not base or _url_problem(base):
        return None
    for path, item, operation in _identity_operations(spec):
        if _needs_parameters(spec, item, operation) or not _secured_by(spec, operation, scheme.key):
            continue
        url = base.rstrip("/") + path
        if _url_problem(url):
            return None
        return {"method": "GET", "url": path if placeholder_host(spec) else url}
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
    declared = [*_list(item.get("parameters")), *_list(operation.get("parameters"))]
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



def import_openapi(text, *, scheme=None, user):
    """Create a Draft connector from an OpenAPI document; see choose_scheme() for `scheme`."""
    spec = parse_openapi(text)
    return import_document(document_for(spec, choose_scheme(security_schemes(spec), scheme)), user=user)
