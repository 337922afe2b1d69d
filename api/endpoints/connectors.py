"""Connectors, for builders: the wizard's sections as operations, through the builder's forms and services.

Secrets are write-only: an answer names which are set (`secrets_set`), never their values.
"""

import datetime
import json
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from auth_types import registry
from builder import documents, sections, services
from builder.document_format import DocumentInvalid
from builder.forms import ApiSettingsForm, ConnectorCreateForm, GeneralForm, ScopeDelimiterForm, ScopeForm
from builder.logo import logo_thumbnail
from builder.models import Connector, ConnectorChange, Scope as ConnectorScope, Stage

from ..authentication import require
from ..pagination import DEFAULT_PAGE_SIZE, Links, page_of
from ..problems import Problem, form_errors, pointer
from ..scopes import Scope
from .common import ERRORS, error_responses

router = Router(tags=["connectors"])


class ScopeItem(Schema):
    name: str = Field(max_length=100)
    value: str = Field(max_length=255)


class ConnectorOut(Schema):
    id: int
    link_name: str
    name: str
    description: str
    stage: str
    builtin: bool
    auth_type: str = Field(description="The authentication type's key; empty until Security is saved")
    config: dict = Field(description="The type's settings, without secrets")
    secrets_set: list[str] = Field(description="The names of the secrets that are stored (never their values)")
    base_url: str
    api_origins: list[str]
    other_hosts: str
    test_method: str
    test_url: str
    expiry_statuses: str
    expiry_body_field: str
    expiry_body_value: str
    scope_delimiter: str
    scopes: list[ScopeItem]
    ready_problems: list[str] = Field(description="What Mark as Ready would refuse; empty when it may be marked")
    settings: dict = Field(description="Settings other parts of the application keep about the connector, as in "
                                       "connector documents: health_check_interval (minutes between two health "
                                       "checks, 0: off, null: the default), identity_field (the JSON field of the "
                                       "test request's answer naming the provider account, null: none)")
    logo_url: str | None = Field(description="The logo (a 256×256 PNG; GET it with the token); null when none")
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_builtin(obj):
        return bool(obj.builtin_key)

    @staticmethod
    def resolve_secrets_set(obj):
        return [] if obj.secrets_lost else sorted(name for name, value in obj.secrets.items() if value)

    @staticmethod
    def resolve_scopes(obj):
        return [{"name": scope.name, "value": scope.value} for scope in obj.scopes.all()]

    @staticmethod
    def resolve_ready_problems(obj):
        return obj.ready_problems()

    @staticmethod
    def resolve_settings(obj):
        return {section.key: section.form_class.to_document(obj) for section in sections.all_sections()}

    @staticmethod
    def resolve_logo_url(obj, context):
        return logo_url(context["request"], obj)


class ConnectorPage(Schema):
    count: int
    page: int
    page_size: int
    links: Links
    results: list[ConnectorOut]


class ConnectorFilters(Schema):
    q: str | None = Field(None, description="Search in names and link names", max_length=100)
    stage: Stage | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class ConnectorIn(Schema):
    name: str
    description: str = ""


class GeneralPatch(Schema):
    name: str | None = None
    link_name: str | None = None
    description: str | None = None
    settings: dict | None = Field(None, description="Change some of the connector's `settings` (those left out keep "
                                                    "their values; null sets one back to its default)")


class SecurityIn(Schema):
    auth_type: str = Field(description="One of the registered authentication types' keys")
    config: dict = Field(default_factory=dict, description="The type's settings, as its Security form names them")
    secrets: dict[str, str] = Field(default_factory=dict,
                                    description="Secrets (client secret...); one left out keeps the stored value")
    base_url: str | None = None
    api_origins: list[str] | None = None
    other_hosts: str | None = None
    test_method: str | None = None
    test_url: str | None = None
    expiry_statuses: str | None = None
    expiry_body_field: str | None = None
    expiry_body_value: str | None = None
    settings: dict | None = Field(None, description="Change some of the connector's `settings`, as on the Security "
                                                    "page (those left out keep their values; null sets one back "
                                                    "to its default)")


class ScopesIn(Schema):
    scope_delimiter: str | None = Field(None, description="',', ' ' or '+'")
    scopes: list[ScopeItem] = Field(description="Every scope, in order (replaces the stored ones)")


class ImportIn(Schema):
    document: dict | None = Field(None, description="A connector document (export's format) or an OpenAPI document")
    text: str | None = Field(None, description="Or the same as text: JSON, or YAML for OpenAPI", max_length=5_000_000)
    scheme: str | None = Field(None, description="OpenAPI only: the security scheme to build the connector from")


def _connector(request, pk):
    return get_object_or_404(Connector.objects.prefetch_related("scopes").select_related(*sections.related_names()),
                             pk=pk)


def _refused(errors):
    detail = errors[0]["detail"] if len(errors) == 1 else "The request has problems; see errors."
    return Problem(400, detail, errors=errors)


@router.get("/connectors", response={200: ConnectorPage, **ERRORS}, summary="List connectors (builders)")
def connector_list(request, filters: Query[ConnectorFilters]):
    require(request, Scope.CONNECTORS_READ)
    connectors = Connector.objects.defer("logo").prefetch_related("scopes").select_related(
        *sections.related_names()).search(filters.q)
    if filters.stage:
        connectors = connectors.filter(stage=filters.stage)
    return page_of(request, connectors, page=filters.page, page_size=filters.page_size)


@router.get("/connectors/{int:pk}", response={200: ConnectorOut, **ERRORS}, summary="Read a connector")
def connector_read(request, pk: int):
    require(request, Scope.CONNECTORS_READ)
    return _connector(request, pk)


@router.post("/connectors", response={201: ConnectorOut, **ERRORS},
             summary="Create a custom connector (a Draft), as Create New Custom Connector")
def connector_create(request, payload: ConnectorIn):
    require(request, Scope.CONNECTORS_WRITE)
    form = ConnectorCreateForm(payload.dict())
    if not form.is_valid():
        raise _refused(form_errors(form))
    return Status(201, services.connector_create(form=form, user=request.auth.user))


@router.patch("/connectors/{int:pk}", response={200: ConnectorOut, **ERRORS},
              summary="Change General (name, link name, description) and the connector's settings")
def connector_update_general(request, pk: int, payload: GeneralPatch):
    require(request, Scope.CONNECTORS_WRITE)
    connector = _connector(request, pk)
    data = {"name": connector.name, "link_name": connector.link_name, "description": connector.description,
            **payload.dict(exclude_unset=True, exclude_none=True, exclude={"settings"})}
    form = GeneralForm(data, instance=connector)
    errors = [] if form.is_valid() else form_errors(form)
    section_forms, errors = _settings_forms(connector, payload.settings or {}, errors)
    if errors:
        raise _refused(errors)
    with transaction.atomic():
        services.connector_save_general(form=form, user=request.auth.user)
        services.connector_save_sections(connector=connector, user=request.auth.user, section_forms=section_forms)
    return _connector(request, pk)


def _settings_forms(connector, settings, errors):
    """Return the bound forms of the settings given (builder.sections) and the errors, these' added."""
    known = {section.key: section for section in sections.all_sections()}
    section_forms = []
    for key, value in settings.items():
        if key not in known:
            errors.append({"detail": f"Unknown setting; use one of: {', '.join(sorted(known))}.",
                           "pointer": pointer("settings", key)})
            continue
        form = known[key].form_from_value(connector, value)
        if form.is_valid():
            section_forms.append(form)
        errors += [{"detail": str(message), "pointer": pointer("settings", key)}
                   for messages in form.errors.values() for message in messages]
    return section_forms, errors


def _config_errors(form, secret_fields):
    """Errors of a config form at /config/<field> (/secrets/<field> for a secret), its rows included."""
    errors = []
    for name, messages in form.errors.items():
        place = pointer() if name == "__all__" else pointer("secrets" if name in secret_fields else "config", name)
        errors += [{"detail": str(message), "pointer": place} for message in messages]
    for name, formset in vars(form).items():
        if hasattr(formset, "forms") and hasattr(formset, "non_form_errors"):
            for index, row in enumerate(formset.forms):
                errors += [{**error, "pointer": pointer("config", name, index) + error["pointer"]}
                           for error in form_errors(row)]
            errors += [{"detail": str(message), "pointer": pointer("config", name)}
                       for message in formset.non_form_errors()]
    return errors


API_SETTINGS = ("base_url", "api_origins", "other_hosts", "test_method", "test_url", "expiry_statuses",
                "expiry_body_field", "expiry_body_value")


@router.put("/connectors/{int:pk}/security", response={200: ConnectorOut, **ERRORS},
            summary="Change Security: the authentication type, its settings and secrets, the API's settings")
def connector_update_security(request, pk: int, payload: SecurityIn):
    require(request, Scope.CONNECTORS_WRITE)
    connector = _connector(request, pk)
    from builder.forms import AuthTypeChoiceForm

    choice = AuthTypeChoiceForm({"auth_type": payload.auth_type}, connector=connector)
    if not choice.is_valid():
        raise _refused(form_errors(choice))
    auth_type = registry.get(choice.cleaned_data["auth_type"])
    own = auth_type.key == connector.auth_type
    form_class = auth_type.config_form
    config_form = form_class(form_class.stored_data(payload.config, payload.secrets),
                             stored_config=connector.config if own else None,
                             stored_secrets=connector.secrets if own else None)
    current = {name: getattr(connector, name) for name in API_SETTINGS}
    settings = {**current, **payload.dict(include=set(API_SETTINGS), exclude_none=True)}
    settings["api_origins"] = "\n".join(settings["api_origins"] or [])
    test_form = ApiSettingsForm(settings, instance=connector)
    errors = [] if config_form.is_valid() else _config_errors(config_form, form_class.secret_fields)
    errors += [] if test_form.is_valid() else form_errors(test_form)
    # Checked against the connector as this request leaves it (a valid test_form has set its test URL).
    section_forms, errors = _settings_forms(connector, payload.settings or {}, errors)
    if errors:
        raise _refused(errors)
    with transaction.atomic():
        services.connector_save_security(connector=connector, user=request.auth.user, auth_type=auth_type,
                                         config_form=config_form, test_form=test_form)
        services.connector_save_sections(connector=connector, user=request.auth.user, section_forms=section_forms)
    return _connector(request, pk)


@router.put("/connectors/{int:pk}/scopes", response={200: ConnectorOut, **ERRORS},
            summary="Replace the OAuth scopes (and the delimiter)")
def connector_update_scopes(request, pk: int, payload: ScopesIn):
    require(request, Scope.CONNECTORS_WRITE)
    connector = _connector(request, pk)
    if not connector.uses_scopes:
        raise Problem(400, "This connector's authentication type has no OAuth scopes.",
                      errors=[{"detail": "No OAuth scopes for this type.", "pointer": "/scopes"}])
    errors = []
    delimiter_form = ScopeDelimiterForm({"scope_delimiter": payload.scope_delimiter or connector.scope_delimiter},
                                        instance=Connector(scope_delimiter=connector.scope_delimiter))
    if not delimiter_form.is_valid():
        errors += form_errors(delimiter_form)
    delimiter = delimiter_form.cleaned_data.get("scope_delimiter", connector.scope_delimiter)
    probe, seen, rows = Connector(scope_delimiter=delimiter), {}, []
    for index, scope in enumerate(payload.scopes):
        form = ScopeForm(scope.dict(), connector=probe)
        if not form.is_valid():
            errors += form_errors(form, "scopes", index)
            continue
        value = form.cleaned_data["value"]
        if value in seen:
            errors.append({"detail": f"This value appears twice (also at /scopes/{seen[value]}).",
                           "pointer": pointer("scopes", index, "value")})
        seen.setdefault(value, index)
        rows.append(form.cleaned_data)
    if errors:
        raise _refused(errors)
    with transaction.atomic():
        connector.scopes.all().delete()
        ConnectorScope.objects.bulk_create(ConnectorScope(connector=connector, **row) for row in rows)
        Connector.objects.filter(pk=connector.pk).update(scope_delimiter=delimiter)
        services.connector_record_change(connector=connector, user=request.auth.user,
                                         action=ConnectorChange.Action.SCOPES, fields=["scopes", "scope_delimiter"])
    return _connector(request, pk)


@router.post("/connectors/{int:pk}/ready", response={200: ConnectorOut, **error_responses(409)},
             summary="Mark as Ready (the same gate as the page)")
def connector_mark_ready(request, pk: int):
    require(request, Scope.CONNECTORS_WRITE)
    try:
        services.connector_mark_ready(connector=_connector(request, pk), user=request.auth.user)
    except services.ConnectorNotComplete as error:
        raise Problem(409, "The connector is not complete: " + "; ".join(error.problems),
                      errors=[{"detail": problem} for problem in error.problems]) from None
    return _connector(request, pk)


@router.get("/connectors/{int:pk}/export", response={200: dict, **ERRORS},
            summary="Export the connector document (no secrets)")
def connector_export(request, pk: int):
    require(request, Scope.CONNECTORS_READ)
    return documents.connector_document(_connector(request, pk))


def _document_pointer(path):
    """Turn a document's JSON path ($.connector.scopes[0].value) into a pointer under /document."""
    parts = [part for part in re.split(r"\.|\[(\d+)\]", path.removeprefix("$")) if part]
    return pointer("document", *parts)


@router.post("/connectors/import", response={201: ConnectorOut, **ERRORS},
             summary="Import a connector document or an OpenAPI document as a new Draft")
def connector_import(request, payload: ImportIn):
    require(request, Scope.CONNECTORS_WRITE)
    if (payload.document is None) == (payload.text is None):
        raise Problem(400, "Give the document either as `document` (an object) or as `text`.",
                      errors=[{"detail": "Give one of document or text.", "pointer": "/document"}])
    raw = payload.text if payload.text is not None else json.dumps(payload.document)
    from builder.management.commands.import_connector import is_openapi

    try:
        if is_openapi(raw.encode()):
            from builder import openapi

            try:
                connector = openapi.import_openapi(raw, scheme=payload.scheme, user=request.auth.user)
            except openapi.OpenAPIError as error:
                raise Problem(400, str(error), errors=[{"detail": str(error), "pointer": "/scheme" if getattr(
                    error, "choices", None) else "/document"}]) from None
        else:
            connector = documents.import_document(raw, user=request.auth.user)
    except DocumentInvalid as error:
        raise _refused([{"detail": message, "pointer": _document_pointer(path)}
                        for path, message in error.problems]) from None
    return Status(201, _connector(request, connector.pk))


@router.delete("/connectors/{int:pk}", response={204: None, **error_responses(409)}, summary="Delete a connector")
def connector_delete(request, pk: int):
    require(request, Scope.CONNECTORS_WRITE)
    connector = _connector(request, pk)
    in_use = connector.connections.count()
    if in_use:
        raise Problem(409, f"{in_use} connection{'s' if in_use != 1 else ''} use{'s' if in_use == 1 else ''} this "
                           "connector; they must be deleted first.")
    connector.delete()
    return Status(204, None)


# The logo: upload (or replace), remove, download. The builder's pipeline checks and re-encodes each
# upload (builder.logo: PNG, JPEG or WebP only, 1 MB, 4096×4096 pixels, decompression bombs refused).

LOGO_STATUS = {"too_large": 413, "invalid_format": 415, "invalid_extension": 415}


def logo_url(request, connector):
    """The API's URL of the connector's logo, versioned by its content; None when it has none."""
    if not connector.logo_hash:
        return None
    parts = getattr(request, "_connector_logo_url", None)
    if parts is None:  # once per request: a list answers up to 100 connectors
        url = request.build_absolute_uri(reverse("api-v1:connector_logo", kwargs={"pk": 0}))
        parts = request._connector_logo_url = url.rsplit("/0/logo", 1)
    return f"{parts[0]}/{connector.pk}/logo{parts[1]}?v={connector.logo_hash[:12]}"


@router.post("/connectors/{int:pk}/logo", response={200: ConnectorOut, **error_responses(413, 415)},
            summary="Upload or replace the logo (multipart/form-data, field `file`)")
def connector_logo_upload(request, pk: int, file: File[UploadedFile] = None):
    """PNG, JPEG or WebP, at most 1 MB and 4096×4096 pixels; stored as a 256×256 PNG without metadata.
    A file too large is refused with 413, one of another type (or not an image) with 415, too many pixels
    or a decompression bomb with 400."""
    require(request, Scope.CONNECTORS_WRITE)
    connector = _connector(request, pk)
    if file is None:
        raise Problem(400, "Send the logo as the multipart/form-data field `file`.",
                      errors=[{"detail": "Choose a logo file.", "pointer": pointer("file")}])
    try:
        png = logo_thumbnail(file)
    except ValidationError as error:
        detail = " ".join(error.messages)
        raise Problem(LOGO_STATUS.get(error.code, 400), detail,
                      errors=[{"detail": detail, "pointer": pointer("file")}]) from None
    _store_logo(request, connector, png)
    return _connector(request, pk)


@router.delete("/connectors/{int:pk}/logo", response={200: ConnectorOut, **ERRORS}, summary="Remove the logo")
def connector_logo_remove(request, pk: int):
    require(request, Scope.CONNECTORS_WRITE)
    connector = _connector(request, pk)
    if connector.logo_hash:
        _store_logo(request, connector, None)
    return _connector(request, pk)


def _store_logo(request, connector, png):
    """Set (a PNG) or remove (None) the connector's logo and record the change in its history."""
    with transaction.atomic():
        connector.set_logo(png)
        connector.save(update_fields=["logo", "logo_hash", "updated_at"])
        services.connector_record_change(connector=connector, user=request.auth.user,
                                         action=ConnectorChange.Action.GENERAL, fields=["logo"])


@router.get("/connectors/{int:pk}/logo", response=ERRORS, url_name="connector_logo", summary="Download the logo",
            openapi_extra={"responses": {200: {"description": "The logo, a 256×256 PNG", "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}}}}}})
def connector_logo_read(request, pk: int):
    require(request, Scope.CONNECTORS_READ)
    connector = get_object_or_404(Connector.objects.only("logo", "logo_hash"), pk=pk, logo__isnull=False)
    response = HttpResponse(bytes(connector.logo), content_type="image/png")
    response["ETag"] = f'"{connector.logo_hash}"'
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
