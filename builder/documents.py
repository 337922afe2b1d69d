"""Export a connector as a connector document (JSON) and import one as a new Draft connector.

The document is the shared format of export, import, the built-in catalog and the OpenAPI
importer. Reading one is done in two passes: its shape against the JSON Schema in
catalog_schema.json, then its values through the builder's own forms and validators, so an
imported connector is one the builder itself could have saved. Secrets never go in a
document: the admin enters them in Security after the import.
"""

import base64
import binascii
import dataclasses
import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.forms import BaseFormSet
from referencing import Registry, Resource

from auth_types import registry

from .forms import ConnectorCreateForm, ScopeForm, TestRequestForm
from .logo import logo_thumbnail
from .models import Connector, ConnectorChange, Scope, ScopeDelimiter, Stage
from .services import NoFreeLinkName, connector_record_change, save_with_unique_link_name
from .validators import LINK_NAME_MAX, link_name_from, link_name_validator

FORMAT = "custom-connectors.connector"
VERSION = 1
MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_DEPTH = 32  # a real document is 6 levels deep; more is a mistake or a nesting bomb
MAX_PROBLEMS = 50
SCHEMA_PATH = Path(__file__).with_name("catalog_schema.json")
SECRET_NAMES = frozenset(name for kind in registry.all_types() for name in kind.config_form.secret_fields)
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


class NotExportable(Exception):
    """The connector cannot be written as a document yet; the message says why."""


# --- export ------------------------------------------------------------------------------

def connector_document(connector):
    """Return the connector as a document: General, Security without secrets, Scopes, test request."""
    kind = connector.kind
    if kind is None:
        raise NotExportable("Choose an Authentication Type in Security before exporting the connector.")
    # Only what the document format knows: a stored key it has no place for would make the
    # export impossible to import again.
    known = _config_schema(kind.key).get("properties", {})
    body = {
        "name": connector.name,
        "link_name": connector.link_name,
        "description": connector.description,
        "auth_type": kind.key,
        "config": {name: value for name, value in connector.config.items()
                   if name in known and name not in SECRET_NAMES},
        "scope_delimiter": connector.scope_delimiter,
        "scopes": [{"name": scope.name, "value": scope.value} for scope in connector.scopes.all()]
        if kind.uses_scopes else [],
        "test_request": {"method": connector.test_method, "url": connector.test_url} if connector.test_url else None,
    }
    if connector.logo:
        body["logo_png"] = base64.b64encode(bytes(connector.logo)).decode("ascii")
    for name in ("category", "documentation_url"):
        if getattr(connector, name):
            body[name] = getattr(connector, name)
    return {"format": FORMAT, "version": VERSION, "connector": body}


def document_json(document):
    """Return the document as JSON text: keys sorted, indented by 2, one final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_filename(connector):
    return f"{connector.link_name}.connector.json"


# --- reading: size, JSON, format and version, the schema ------------------------------------

@lru_cache(maxsize=1)
def _schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


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


def _object(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {json.dumps(_short(key))} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _loads(raw):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentInvalid([("$", "This is not JSON: it is not UTF-8 text.")]) from None
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_no_constant)
    except RecursionError:  # Python's parser recurses once per level: a nesting bomb ends here
        raise DocumentInvalid([("$", f"The document is nested more than {MAX_DEPTH} levels deep.")]) from None
    except ValueError as error:  # JSONDecodeError, a duplicate key, a number too long to convert
        raise DocumentInvalid([("$", f"This is not JSON: {_short(str(error), 200)}.")]) from None


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
    if problems:
        raise DocumentInvalid(sorted(problems))
    return document


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


# --- values: the builder's forms ---------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PreparedConnector:
    """A document's connector, checked and normalised by the builder's forms, not saved yet."""

    fields: dict  # Connector model fields: name, description, auth_type, config, scope_delimiter...
    link_name: str  # a valid link name, made unique when saved
    logo: bytes | None
    scopes: tuple  # (name, value) pairs


def prepare_document(data, *, catalog=False):
    """Return the document's connector as a PreparedConnector; raise DocumentInvalid with every problem."""
    connector = read_document(data, catalog=catalog)["connector"]
    kind = registry.get(connector["auth_type"])
    problems = []
    general = _checked_general(connector, problems)
    config = _checked_config(kind, connector["config"], problems)
    test = _checked_test_request(connector.get("test_request"), problems)
    extra = _checked_catalog_fields(connector, problems)
    logo = _checked_logo(connector.get("logo_png"), problems)
    delimiter = connector.get("scope_delimiter", ScopeDelimiter.COMMA)
    scopes = _checked_scopes(kind, delimiter, connector.get("scopes") or [], problems)
    if problems:
        raise DocumentInvalid(problems)
    fields = {**general, "auth_type": kind.key, "config": config, "scope_delimiter": delimiter, **test, **extra}
    return PreparedConnector(fields, _link_name_base(connector.get("link_name"), general["name"]), logo, scopes)


def _form_problems(form, base):
    """Yield (path, message) for a bound form's errors, its formsets' rows included.

    A "required" error is not a problem here: the schema already demands every field a document
    must state, so what is left is a secret (never in a document) or an OAuth client a built-in
    leaves for the admin. Both are entered in Security, and the Ready gate checks them.
    """
    for name, errors in form.errors.as_data().items():
        path = base if name == NON_FIELD_ERRORS else f"{base}.{name}"
        for error in errors:
            if error.code != "required":
                yield from ((path, message) for message in error.messages)
    # A config form may hold its rows in a formset attribute named like its config key (API Key's
    # parameters); found by type so that no auth type is named here.
    for name, formset in vars(form).items():
        if isinstance(formset, BaseFormSet):
            for index, row in enumerate(formset.forms):
                yield from _form_problems(row, f"{base}.{name}[{index}]")
            for error in formset.non_form_errors().as_data():
                yield from ((f"{base}.{name}", message) for message in error.messages)


def _checked_general(connector, problems):
    form = ConnectorCreateForm({"name": connector["name"], "description": connector.get("description", "")})
    if form.is_valid():
        return {"name": form.cleaned_data["name"], "description": form.cleaned_data["description"]}
    problems += _form_problems(form, "$.connector")
    return {"name": connector["name"], "description": ""}


def _link_name_base(proposed, name):
    """Return the document's link name when it is a valid one, else one derived from the name."""
    try:
        link_name_validator(proposed or "")
    except ValidationError:
        return link_name_from(name)
    return proposed if len(proposed) <= LINK_NAME_MAX else link_name_from(name)


def _checked_config(kind, config, problems):
    form_class = kind.config_form
    # A field the builder has a default for may be left out of a document.
    defaults = {name: field.initial for name, field in form_class.base_fields.items()
                if name not in form_class.secret_fields and field.initial is not None}
    config = {**defaults, **config}
    form = form_class.from_stored(config, {})
    if form.is_valid():
        return form.config()
    found = list(_form_problems(form, "$.connector.config"))
    problems += found
    # Only fields left empty on purpose failed: keep them as the document states them.
    stated = {name: value for name, value in config.items() if name in form.fields and name not in SECRET_NAMES}
    return None if found else {**stated, **form.config()}


def _checked_test_request(test, problems):
    if not test:
        return {"test_method": "GET", "test_url": ""}
    form = TestRequestForm({"test_method": test["method"], "test_url": test["url"]}, instance=Connector())
    if form.is_valid():
        return {name: form.cleaned_data[name] for name in ("test_method", "test_url")}
    names = {"test_method": "method", "test_url": "url"}
    for name, messages in form.errors.items():
        problems += [(f"$.connector.test_request.{names.get(name, name)}", message) for message in messages]
    return {}


def _checked_catalog_fields(connector, problems):
    fields = {"category": connector.get("category", "").strip()}
    url = connector.get("documentation_url", "")
    try:
        if url:
            Connector._meta.get_field("documentation_url").run_validators(url)
    except ValidationError as error:
        problems += [("$.connector.documentation_url", message) for message in error.messages]
    return {**fields, "documentation_url": url}


def _checked_logo(encoded, problems):
    if not encoded:
        return None
    try:
        raw = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        problems.append(("$.connector.logo_png", "This is not base64 text."))
        return None
    try:
        return logo_thumbnail(ContentFile(raw, name="logo.png"))
    except ValidationError as error:
        problems += [("$.connector.logo_png", message) for message in error.messages]
        return None


class _UnsavedConnector:
    """What ScopeForm asks of its connector before the connector exists: the delimiter, no scopes yet.

    Duplicates within the document are found by the caller, as the builder's scope formset does.
    """

    def __init__(self, scope_delimiter):
        self.scope_delimiter = scope_delimiter
        self.scopes = Scope.objects.none()


def _checked_scopes(kind, delimiter, scopes, problems):
    if scopes and not kind.uses_scopes:
        problems.append(("$.connector.scopes", f"{kind.name} connectors have no OAuth scopes; remove them."))
        return ()
    connector, first_at, checked = _UnsavedConnector(delimiter), {}, []
    for index, scope in enumerate(scopes):
        path = f"$.connector.scopes[{index}]"
        form = ScopeForm({"name": scope["name"], "value": scope["value"]}, connector=connector)
        if not form.is_valid():
            problems += [(f"{path}.{name}", message) for name, messages in form.errors.items() for message in messages]
            continue
        value = form.cleaned_data["value"]
        if value in first_at:
            problems.append((f"{path}.value", f"Duplicate value: {first_at[value]} has it too."))
            continue
        first_at[value] = f"{path}.value"
        checked.append((form.cleaned_data["name"], value))
    return tuple(checked)


# --- saving ------------------------------------------------------------------------------

def connector_create(prepared, *, user, builtin_key="", ready_when_complete=False):
    """Save a prepared connector as a new one (a Draft unless asked and complete) and record it."""
    connector = Connector(created_by=user, builtin_key=builtin_key, link_name=prepared.link_name, **prepared.fields)
    connector.set_logo(prepared.logo)
    if ready_when_complete and not connector.ready_problems():
        connector.stage = Stage.READY
    try:
        save_with_unique_link_name(connector, prepared.link_name)
    except NoFreeLinkName as error:
        raise DocumentInvalid([("$.connector.link_name", str(error))]) from None
    Scope.objects.bulk_create(Scope(connector=connector, name=name, value=value) for name, value in prepared.scopes)
    fields = ["name", "link_name", "auth_type", *connector.config]
    fields += [name for name in ("description", "logo", "test_url", "category", "documentation_url")
               if getattr(connector, name)] + (["scopes"] if prepared.scopes else [])
    connector_record_change(connector=connector, user=user, action=ConnectorChange.Action.CREATED, fields=fields)
    return connector


@transaction.atomic
def import_document(data, *, user, builtin_key=""):
    """Create a new Draft connector from a document (dict, JSON text or bytes); raise DocumentInvalid."""
    return connector_create(prepare_document(data), user=user, builtin_key=builtin_key)
