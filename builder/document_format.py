"""Read the connector document format: its size limit, its JSON, its format and version, its schema.

This is the first of the two passes that builder.documents makes over a document: the JSON is
parsed with no duplicate key, NaN or Infinity, nor more than MAX_DEPTH levels of nesting, then
checked against the JSON Schema: catalog_schema.json with each registered auth type's config schema
added (see _schema). Every schema error becomes a message in
words, at its JSON path, that never quotes the refused value (it may be a secret).
"""

import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema
from referencing import Registry, Resource

from auth_types import registry

from . import duplicate_keys, sections

FORMAT = "custom-connectors.connector"
VERSION = 1
MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_DEPTH = 32  # a real document is 6 levels deep; more is a mistake or a nesting bomb
MAX_PROBLEMS = 50
SCHEMA_PATH = Path(__file__).with_name("catalog_schema.json")
SECRET_NAMES = frozenset(name for kind in registry.all_types() for name in kind.config_form.secret_fields)
DUPLICATE_KEY = "This key appears twice in its object; state it once (readers disagree on which one counts)."
SECRET_IN_DOCUMENT = ("A secret never goes in a connector document: remove it, and enter it in Security "
                      "after the import.")


class DocumentInvalid(Exception):
    """The document is refused; `problems` lists (JSON path, message) pairs, every one of them."""

    def __init__(self, problems):
        problems = list(dict.fromkeys(problems))  # one report of each, in order
        if len(problems) > MAX_PROBLEMS:
            problems = problems[:MAX_PROBLEMS] + [("$", f"… and {len(problems) - MAX_PROBLEMS} more problems.")]
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))

    @property
    def mentions_secret(self):
        return any(message == SECRET_IN_DOCUMENT for _, message in self.problems)


# --- reading: size, JSON, format and version, the schema ------------------------------------

@lru_cache(maxsize=1)
def _schema():
    """Return the document's JSON Schema: catalog_schema.json with each registered type's part.

    The file states what every document has; each auth type gives the schema of its config
    (AuthType.config_schema), chosen by the document's auth_type.
    """
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    connector = schema["$defs"]["connector"]
    connector["properties"]["auth_type"] = {"enum": [kind.key for kind in registry.all_types()]}
    connector["allOf"] = [
        {"if": {"properties": {"auth_type": {"const": kind.key}}, "required": ["auth_type"]},
         "then": {"properties": {"config": {"$ref": f"#/$defs/config_{kind.key}"}}}}
        for kind in registry.all_types()
    ]
    schema["$defs"].update({f"config_{kind.key}": kind.config_schema() for kind in registry.all_types()})
    # Settings other apps keep about a connector (builder.sections), each under its own key.
    connector["properties"].update({section.key: section.form_class.document_schema
                                    for section in sections.all_sections()})
    return schema


def forget_schema():
    """Build the schema again at its next use (a connector section was registered)."""
    _schema.cache_clear()
    _validator.cache_clear()


def document_schema():
    """Return the whole JSON Schema of a connector document (a copy: callers may change it)."""
    return json.loads(json.dumps(_schema()))


@lru_cache(maxsize=2)
def _validator(catalog):
    schema = _schema()
    if not catalog:
        return jsonschema.Draft202012Validator(schema)
    resources = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return jsonschema.Draft202012Validator({"$ref": f"{schema['$id']}#/$defs/catalog_document"}, registry=resources)


def _config_schema(key):
    return _schema()["$defs"].get(f"config_{key}", {})


def parse_document(data):
    """Return the JSON value of `data` (text, bytes, or already parsed); raise DocumentInvalid when it
    is larger than 1 MB, not JSON, or nested deeper than MAX_DEPTH."""
    if isinstance(data, (str, bytes, bytearray)):
        if len(data) > MAX_DOCUMENT_BYTES:  # before encoding or parsing anything
            raise DocumentInvalid([("$", _too_large(len(data)))])
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise DocumentInvalid([("$", _too_large(len(raw)))])
        data = _loads(raw)
    if _deeper_than(data, MAX_DEPTH):
        raise DocumentInvalid([("$", f"The document is nested more than {MAX_DEPTH} levels deep.")])
    try:
        size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError):
        raise DocumentInvalid([("$", "This is not JSON: it holds values JSON cannot express.")]) from None
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentInvalid([("$", _too_large(size))])
    return data


def _too_large(size):
    return f"The document is {size / MAX_DOCUMENT_BYTES:.1f} MB; the limit is 1 MB."


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _loads(raw):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentInvalid([("$", "This is not JSON: it is not UTF-8 text.")]) from None
    try:
        value, repeated = duplicate_keys.loads(text, parse_constant=_no_constant)
    except RecursionError:  # Python's parser recurses once per level: a nesting bomb ends here
        raise DocumentInvalid([("$", f"The document is nested more than {MAX_DEPTH} levels deep.")]) from None
    except ValueError as error:  # JSONDecodeError, a number too long to convert
        raise DocumentInvalid([("$", f"This is not JSON: {_short(str(error), 200)}.")]) from None
    if repeated:
        raise DocumentInvalid([(json_path(repeated), DUPLICATE_KEY)])
    return value


def _deeper_than(value, limit):
    """Return whether lists and objects nest more than `limit` levels (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def read_document(data, *, catalog=False):
    """Return the parsed document when its format, version and shape are right; raise DocumentInvalid."""
    document, problems = check_document(data, catalog=catalog)
    if problems:
        raise DocumentInvalid(problems)
    return document


def check_document(data, *, catalog=False):
    """Return (document, its shape's problems against the schema, sorted by path).

    Raise DocumentInvalid when the document cannot be read at all: too large, not JSON, not an
    object, or not this format and version.
    """
    document = parse_document(data)
    if not isinstance(document, dict):
        raise DocumentInvalid([("$", "A connector document is a JSON object.")])
    if document.get("format") != FORMAT:
        raise DocumentInvalid([("$.format", f'This is not a connector document: "format" must be "{FORMAT}".')])
    version = document.get("version")
    if type(version) is not int or version != VERSION:  # type(): True == 1 in Python
        shown = _short(json.dumps(version), 40)
        raise DocumentInvalid([("$.version", f"This application reads version {VERSION} of the connector "
                                             f"document, not version {shown}.")])
    problems = [problem for error in _validator(catalog).iter_errors(document) for problem in _schema_problems(error)]
    return document, sorted(problems)


def is_under(path, prefix):
    """Return whether the JSON path `path` is `prefix` or inside it."""
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TYPE_NAMES = {"string": "a string", "integer": "a whole number", "number": "a number", "object": "an object",
               "array": "a list", "boolean": "true or false", "null": "null"}


def json_path(parts):
    """Return a JSONPath like $.connector.scopes[2].value for a sequence of keys and indexes."""
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            path += f".{part}"
        else:
            path += f"[{json.dumps(_short(part), ensure_ascii=False)}]"
    return path


def _short(text, limit=60):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


# Words for each kind of schema error, from what the schema expected; never the refused value.
_MESSAGES = {
    "type": lambda types: "Expected " + " or ".join(
        _TYPE_NAMES.get(name, name) for name in ([types] if isinstance(types, str) else types)) + ".",
    "enum": lambda values: f"Use one of: {', '.join(json.dumps(value) for value in values)}.",
    "const": lambda value: f"Use {json.dumps(value)}.",
    "minLength": lambda n: "This field cannot be empty." if n == 1 else f"Use at least {_plural(n, 'character')}.",
    "maxLength": lambda n: f"Use at most {_plural(n, 'character')}.",
    "minItems": lambda n: f"Give at least {_plural(n, 'item')}.",
    "maxItems": lambda n: f"Give at most {_plural(n, 'item')}.",
    "minimum": lambda n: f"Use a number of at least {n}.",
    "maximum": lambda n: f"Use a number of at most {n}.",
}


def _schema_problems(error):
    """Yield (path, message) for one schema error, in words and without quoting the refused value."""
    parts, kind = list(error.absolute_path), error.validator
    if kind == "required":
        yield from ((json_path(parts + [name]), "This field is required.")
                    for name in error.validator_value if name not in error.instance)
    elif kind == "additionalProperties":
        known = error.schema.get("properties", {})
        yield from ((json_path(parts + [name]), SECRET_IN_DOCUMENT if name in SECRET_NAMES else "Unknown field.")
                    for name in error.instance if name not in known)
    elif kind == "pattern":
        yield json_path(parts), error.schema.get("x-message", "This value is not in the expected form.")
    elif kind in _MESSAGES:
        yield json_path(parts), _MESSAGES[kind](error.validator_value)
    else:
        yield json_path(parts), _short(error.message, 200)
