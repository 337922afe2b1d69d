"""Export a connector as a connector document (JSON) and import one as a new Draft connector.

The document is the shared format of export, import, the built-in catalog and the OpenAPI
importer. Reading one is done in two passes: its shape against the JSON Schema in
catalog_schema.json (builder.document_format), then its values through the builder's own forms
and validators, so an imported connector is one the builder itself could have saved. Secrets
never go in a document: the admin enters them in Security after the import.
"""

import base64
import binascii
import dataclasses
import json

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.forms import BaseFormSet

from auth_types import registry

from . import api_origins, expiry, sections
from .document_format import (
    FORMAT, MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_PROBLEMS, SCHEMA_PATH, SECRET_IN_DOCUMENT, SECRET_NAMES, VERSION,
    DocumentInvalid, _config_schema, check_document, is_under, json_path, parse_document, read_document,
)
from .forms import ConnectorCreateForm, ScopeForm, ApiSettingsForm
from .logo import logo_thumbnail
from .models import Connector, ConnectorChange, Scope, ScopeDelimiter, Stage
from .services import NoFreeLinkName, connector_record_change, save_with_unique_link_name
from .validators import LINK_NAME_MAX, link_name_from, link_name_validator

# The reading of the format moved to document_format; its names stay importable from here.
__all__ = [
    "FORMAT", "VERSION", "MAX_DOCUMENT_BYTES", "MAX_DEPTH", "MAX_PROBLEMS", "SCHEMA_PATH", "SECRET_NAMES",
    "SECRET_IN_DOCUMENT", "DocumentInvalid", "parse_document", "read_document", "json_path",
    "NotExportable", "connector_document", "document_json", "export_filename",
    "PreparedConnector", "prepare_document", "connector_from_prepared", "import_document",
]


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
    if _expiry_signal(connector):
        body["expiry_signal"] = _expiry_signal(connector)
    if connector.base_url:
        body["base_url"] = connector.base_url
    if connector.api_origins:
        body["api_origins"] = list(connector.api_origins)
    if connector.other_hosts != api_origins.OtherHosts.REFUSE:
        body["other_hosts"] = connector.other_hosts
    if connector.variables:
        body["variables"] = list(connector.variables)
    if connector.logo:
        body["logo_png"] = base64.b64encode(bytes(connector.logo)).decode("ascii")
    for name in ("category", "documentation_url"):
        if getattr(connector, name):
            body[name] = getattr(connector, name)
    body.update(sections.document_values(connector))  # settings other apps keep (health checks...)
    return {"format": FORMAT, "version": VERSION, "connector": body}


def document_json(document):
    """Return the document as JSON text: keys sorted, indented by 2, one final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_filename(connector):
    return f"{connector.link_name}.connector.json"


# --- values: the builder's forms ---------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PreparedConnector:
    """A document's connector, checked and normalised by the builder's forms, not saved yet."""

    fields: dict  # Connector model fields: name, description, auth_type, config, scope_delimiter...
    link_name: str  # a valid link name, made unique when saved
    logo: bytes | None
    scopes: tuple  # (name, value) pairs
    section_forms: tuple = ()  # valid builder.sections forms of the settings the document states


def prepare_document(data, *, catalog=False):
    """Return the document's connector as a PreparedConnector; raise DocumentInvalid with every problem.

    The builder's forms check each part whose shape the schema accepted, so the problems of both
    passes are reported together.
    """
    document, shape_problems = check_document(data, catalog=catalog)
    connector = document.get("connector")
    if not isinstance(connector, dict) or connector.get("auth_type") not in {kind.key for kind in registry.all_types()}:
        raise DocumentInvalid(shape_problems)

    def shaped(*names):
        return not any(is_under(path, f"$.connector.{name}") for path, _ in shape_problems for name in names)

    kind = registry.get(connector["auth_type"])
    problems = []
    general = _checked_general(connector, problems) if shaped("name", "description", "link_name") else {}
    config = _checked_config(kind, connector["config"], problems) if shaped("config") else None
    test = _checked_api_settings(connector, problems) \
        if shaped("base_url", "api_origins", "other_hosts", "test_request", "expiry_signal") else {}
    extra = _checked_catalog_fields(connector, problems) if shaped("category", "documentation_url") else {}
    logo = _checked_logo(connector.get("logo_png"), problems) if shaped("logo_png") else None
    delimiter = connector.get("scope_delimiter", ScopeDelimiter.COMMA)
    # Scope values may use the connection variables (as checked with the API settings when they were well formed).
    scopes = _checked_scopes(kind, delimiter, connector.get("scopes") or [], problems,
                             test.get("variables", connector.get("variables") or [])) \
        if shaped("scope_delimiter", "scopes") else ()
    fields = {**general, "auth_type": kind.key, "config": config, "scope_delimiter": delimiter, **test, **extra}
    section_forms = _checked_sections(connector, fields, problems, shaped)
    if shape_problems or problems:
        raise DocumentInvalid([*shape_problems, *problems])
    return PreparedConnector(fields, _link_name_base(connector.get("link_name"), general["name"]), logo, scopes,
                             section_forms)


def _form_problems(form, base, left_to_admin=()):
    """Yield (path, message) for a bound form's errors, its formsets' rows included.

    A field `left_to_admin` may be missing: a secret (never in a document) or what the type
    leaves for the installation to fill in (its own OAuth client ID). Both are entered in
    Security, and the Ready gate checks them.
    """
    for name, errors in form.errors.as_data().items():
        path = base if name == NON_FIELD_ERRORS else f"{base}.{name}"
        for error in errors:
            if not (error.code == "required" and name in left_to_admin):
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
    found = list(_form_problems(form, "$.connector.config", {*form_class.secret_fields, *kind.admin_completes}))
    problems += found
    # Only fields left empty on purpose failed: keep them as the document states them.
    stated = {name: value for name, value in config.items() if name in form.fields and name not in SECRET_NAMES}
    return None if found else {**stated, **form.config()}


# A form field of ApiSettingsForm and where a document holds it.
API_SETTINGS_PATHS = {
    "base_url": "$.connector.base_url", "api_origins": "$.connector.api_origins",
    "other_hosts": "$.connector.other_hosts", "variables": "$.connector.variables",
    "test_method": "$.connector.test_request.method", "test_url": "$.connector.test_request.url",
    "expiry_statuses": "$.connector.expiry_signal.statuses",
    "expiry_body_field": "$.connector.expiry_signal.body.field",
    "expiry_body_value": "$.connector.expiry_signal.body.value",
}


def _checked_api_settings(connector, problems):
    """Return the test request and expiry signal fields, checked by the builder's ApiSettingsForm."""
    test = connector.get("test_request") or {"method": "GET", "url": ""}
    signal = connector.get("expiry_signal") or {}
    body = signal.get("body") or {}
    data = {"base_url": connector.get("base_url", ""), "api_origins": "\n".join(connector.get("api_origins", [])),
            "other_hosts": connector.get("other_hosts", api_origins.OtherHosts.REFUSE),
            "variables": connector.get("variables") or [],
            "test_method": test["method"], "test_url": test["url"],
            "expiry_statuses": expiry.choice_for(signal.get("statuses", [401])),
            "expiry_body_field": body.get("field", ""), "expiry_body_value": body.get("value", "")}
    form = ApiSettingsForm(data, instance=Connector())
    if form.is_valid():
        return {name: form.cleaned_data[name] for name in API_SETTINGS_PATHS}
    for name, messages in form.errors.items():
        problems += [(API_SETTINGS_PATHS.get(name, "$.connector"), message) for message in messages]
    return {}


def _checked_sections(connector, fields, problems, shaped):
    """Return the bound, valid forms of the sections the document states (builder.sections), each
    checked against the connector the document describes (its test request...)."""
    probe = Connector(**{name: value for name, value in fields.items() if value is not None})
    if "test_url" not in fields:  # the API settings were refused: judge by the document's own test request
        probe.test_url = (connector.get("test_request") or {}).get("url") or ""
    checked = []
    for section in sections.all_sections():
        if section.key not in connector or not shaped(section.key):
            continue
        form = section.form_from_value(probe, connector[section.key])
        if form.is_valid():
            checked.append(form)
            continue
        for name, messages in form.errors.items():
            path = f"$.connector.{section.key}{form.document_paths.get(name, '')}"
            problems += [(path, message) for message in messages]
    return tuple(checked)


def _expiry_signal(connector):
    """Return the document's expiry_signal, or None when it is the default (401, no body match)."""
    codes = expiry.statuses(connector.expiry_statuses)
    if codes == [401] and not connector.expiry_body_field:
        return None
    body = {"field": connector.expiry_body_field, "value": connector.expiry_body_value}
    return {"statuses": codes, "body": body if connector.expiry_body_field else None}


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


def _checked_scopes(kind, delimiter, scopes, problems, definitions=()):
    if scopes and not kind.uses_scopes:
        problems.append(("$.connector.scopes", f"{kind.name} connectors have no OAuth scopes; remove them."))
        return ()
    # An unsaved connector has no stored scopes; duplicates within the document are found below,
    # as the builder's scope formset does.
    connector, first_at, checked = Connector(scope_delimiter=delimiter, variables=list(definitions)), {}, []
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

def connector_from_prepared(prepared, *, user, builtin_key="", ready_when_complete=False):
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
    for form in prepared.section_forms:
        form.save(connector)
    fields = ["name", "link_name", "auth_type", *connector.config]
    fields += [name for name in ("description", "logo", "test_url", "category", "documentation_url",
                                 "expiry_body_field", "base_url", "api_origins") if getattr(connector, name)]
    fields += ["scopes"] if prepared.scopes else []
    fields += [form.section.key for form in prepared.section_forms]
    connector_record_change(connector=connector, user=user, action=ConnectorChange.Action.CREATED, fields=fields)
    return connector


@transaction.atomic
def import_document(data, *, user, builtin_key=""):
    """Create a new Draft connector from a document (dict, JSON text or bytes); raise DocumentInvalid."""
    return connector_from_prepared(prepare_document(data), user=user, builtin_key=builtin_key)
