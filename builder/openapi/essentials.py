"""Cut a document down to the small part the import page carries from one step to the next."""

from ..api_origins import MAX_ORIGINS
from .document import _identity_operations
from .spec import _declared_schemes, _is_swagger2, _key_text, _list, _mapping, _ref
from .text import _SCAN_LIMIT, _text


def essentials(spec):
    """Return the parts of spec this import reads, $refs resolved: a small document to carry in a page.

    security_schemes() and document_for() give the same answers for it as for spec itself.
    """
    kept = {name: spec[name] for name in ("openapi", "swagger", "host", "basePath", "schemes", "security")
            if name in spec}
    if isinstance(spec.get("servers"), list):
        kept["servers"] = spec["servers"][:MAX_ORIGINS + 1]  # the first is the Base URL, the others API origins
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
        parameters = [_ref(spec, parameter) for parameter in [*_list(item.get("parameters")),
                                                              *_list(operation.get("parameters"))]]
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
