"""Connections (the token user's own; another user's is a 404): the same services and forms as the pages."""

import datetime
from typing import Literal

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from auth_types.base import DIRECT, FORM
from builder.models import Connector, Stage
from connections import authorization, services, tokens
from connections.errors import ConnectionUnavailable
from connections.forms import ConnectionNameForm
from connections.models import Connection

from ..authentication import require
from ..pagination import DEFAULT_PAGE_SIZE, Links, page_of
from ..problems import Problem, invalid
from ..scopes import Scope
from .common import ERRORS, connector_by_ref, error_responses

router = Router(tags=["connections"])

Health = Literal["passing", "failing", "unknown"]


class ConnectorRef(Schema):
    id: int
    link_name: str
    name: str


class LastTest(Schema):
    at: datetime.datetime | None
    ok: bool | None
    message: str


class ConnectionOut(Schema):
    link_name: str
    name: str
    connector: ConnectorRef
    status: str = Field(description="pending, connected, failing, needs_reauthorization or revoked")
    status_text: str
    enabled: bool
    health: Health = Field(description="The last test request: passing, failing, or unknown (none yet)")
    needs_reconfiguration: bool
    token_expires_at: datetime.datetime | None
    granted_scopes: str
    last_used_at: datetime.datetime | None
    last_status: int | None
    last_error: str
    last_test: LastTest
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_status_text(obj):
        return obj.get_status_display()

    @staticmethod
    def resolve_health(obj):
        return health_of(obj)

    @staticmethod
    def resolve_last_test(obj):
        return {"at": obj.last_test_at, "ok": obj.last_test_ok, "message": obj.last_test_message}


def health_of(connection):
    return {True: "passing", False: "failing"}.get(connection.last_test_ok, "unknown")


class ConnectionPage(Schema):
    count: int
    page: int
    page_size: int
    links: Links
    results: list[ConnectionOut]


class TestOut(Schema):
    ok: bool
    message: str
    status: int | None = None


class ConnectionTested(Schema):
    connection: ConnectionOut
    test: TestOut


class ConnectionIn(Schema):
    connector: int | str = Field(description="The connector's id or link name (a Ready connector)")
    name: str | None = Field(None, description="The connection's name; the connector's name by default")
    credentials: dict[str, str] = Field(
        default_factory=dict, description="What the connector prompts for (key-based types), by field name")
    scopes: list[str] = Field(default_factory=list, description="Scopes to ask for (client credentials)")


class ConnectionPatch(Schema):
    name: str | None = None
    enabled: bool | None = None


class CredentialsIn(Schema):
    credentials: dict[str, str] = Field(description="New values; a secret left out or empty keeps the stored one")


class MessageOut(Schema):
    detail: str
    connection: ConnectionOut


class Filters(Schema):
    connector: int | None = Field(None, description="Only connections to this connector (its id)")
    status: Literal[tuple(Connection.Status.values)] | None = None  # type: ignore[valid-type]
    health: Health | None = None
    q: str | None = Field(None, description="Search in names", max_length=100)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def own(request, link_name):
    return get_object_or_404(
        Connection.objects.for_owner(request.auth.user).select_related("connector").defer("connector__logo"),
        link_name=link_name)


@router.get("/connections", response={200: ConnectionPage, **ERRORS}, summary="List your connections")
def connection_list(request, filters: Query[Filters]):
    require(request, Scope.CONNECTIONS_READ)
    connections = (Connection.objects.for_owner(request.auth.user).select_related("connector")
                   .defer("connector__logo", "connector__secrets", "connector__config"))
    if filters.connector is not None:
        connections = connections.filter(connector_id=filters.connector)
    if filters.status:
        connections = connections.filter(status=filters.status)
    if filters.health:
        connections = connections.filter({"passing": Q(last_test_ok=True), "failing": Q(last_test_ok=False),
                                          "unknown": Q(last_test_ok__isnull=True)}[filters.health])
    if filters.q and filters.q.strip():
        connections = connections.filter(name__icontains=filters.q.strip())
    return page_of(request, connections, page=filters.page, page_size=filters.page_size)


@router.get("/connections/{link_name}", response={200: ConnectionOut, **ERRORS}, summary="Read a connection")
def connection_read(request, link_name: str):
    require(request, Scope.CONNECTIONS_READ)
    return own(request, link_name)


@router.post("/connections", response={201: ConnectionTested, **error_responses(400, 404, 502)},
             summary="Add a connection (key-based types and client credentials)",
             description="Runs the connector's test request and returns its result, as Add Connection does. "
                         "Connectors authorized on the provider's pages take a connect link instead.")
def connection_create(request, payload: ConnectionIn):
    require(request, Scope.CONNECTIONS_WRITE)
    connector = connector_by_ref(payload.connector, Connector.objects.visible_to(request.auth.user)
                                 .filter(stage=Stage.READY), pointer="/connector")
    name_form = ConnectionNameForm({"name": payload.name if payload.name is not None else connector.name})
    kind = connector.kind.grant_kind(connector.kind_config)
    if kind == FORM:
        form_class = connector.kind.credential_form(connector.config)
        credential_form = form_class(payload.credentials, config=connector.config)
        if not (name_form.is_valid() & credential_form.is_valid()):
            errors = invalid(name_form).errors + invalid(credential_form, "credentials").errors
            raise Problem(400, errors[0]["detail"] if len(errors) == 1 else "The request has problems; see errors.",
                          errors=errors)
        connection = services.connection_create(connector=connector, owner=request.auth.user,
                                                name=name_form.cleaned_data["name"],
                                                secrets=credential_form.secrets())
    elif kind == DIRECT:
        if not name_form.is_valid():
            raise invalid(name_form)
        try:
            connection = authorization.authorization_direct(
                connector=connector, user=request.auth.user, name=name_form.cleaned_data["name"],
                scopes=payload.scopes)
        except authorization.AuthorizationFailed as error:
            raise Problem(502, str(error)) from None
    else:
        raise Problem(400, "This connector is authorized on the provider's pages: create a connect link "
                           "(POST /api/v1/connect-links) and send its user there.",
                      errors=[{"detail": "Authorized on the provider's pages.", "pointer": "/connector"}])
    result = services.connection_test(connection=connection, user=request.auth.user)
    return Status(201, {"connection": connection, "test": result})


@router.patch("/connections/{link_name}", response={200: ConnectionOut, **ERRORS},
              summary="Rename, enable or disable a connection")
def connection_update(request, link_name: str, payload: ConnectionPatch):
    require(request, Scope.CONNECTIONS_WRITE)
    connection = own(request, link_name)
    if payload.name is not None:
        form = ConnectionNameForm({"name": payload.name})
        if not form.is_valid():
            raise invalid(form)
        if form.cleaned_data["name"] != connection.name:
            services.connection_rename(connection=connection, user=request.auth.user, name=form.cleaned_data["name"])
    if payload.enabled is not None and payload.enabled != connection.enabled:
        services.connection_set_enabled(connection=connection, user=request.auth.user, enabled=payload.enabled)
    return connection


@router.put("/connections/{link_name}/credentials", response={200: ConnectionTested, **ERRORS},
            summary="Change a connection's values (key-based types); the test request runs again")
def connection_credentials(request, link_name: str, payload: CredentialsIn):
    require(request, Scope.CONNECTIONS_WRITE)
    connection = own(request, link_name)
    connector = connection.connector
    form_class = connector.kind.credential_form(connector.config)
    if form_class is None:
        raise Problem(400, "This connection is authorized through the provider's pages.")
    stored = {} if connection.needs_reconfiguration else connection.secrets
    form = form_class(payload.credentials, config=connector.config, stored_secrets=stored)
    if not form.is_valid():
        raise invalid(form, "credentials")
    services.connection_update_secrets(connection=connection, user=request.auth.user, secrets=form.secrets())
    result = services.connection_test(connection=connection, user=request.auth.user)
    return {"connection": connection, "test": result}


@router.post("/connections/{link_name}/test", response={200: ConnectionTested, **ERRORS},
             summary="Run the connector's test request through the connection")
def connection_test(request, link_name: str):
    require(request, Scope.CONNECTIONS_WRITE)
    connection = own(request, link_name)
    result = services.connection_test(connection=connection, user=request.auth.user)
    return {"connection": connection, "test": result}


@router.post("/connections/{link_name}/refresh", response={200: MessageOut, **error_responses(400, 404, 409)},
             summary="Refresh the connection's token now")
def connection_refresh(request, link_name: str):
    require(request, Scope.CONNECTIONS_WRITE)
    connection = own(request, link_name)
    if not connection.can_refresh:
        raise Problem(409, "This connection has no token that can be refreshed.")
    try:
        tokens.connection_refresh(connection, user=request.auth.user, force=True)
    except ConnectionUnavailable as error:
        raise Problem(409, str(error)) from None
    return {"detail": "Token refreshed.", "connection": connection}


@router.post("/connections/{link_name}/disconnect", response={200: MessageOut, **ERRORS},
             summary="Revoke the token at the provider and delete it here")
def connection_disconnect(request, link_name: str):
    require(request, Scope.CONNECTIONS_WRITE)
    connection = own(request, link_name)
    outcome = tokens.connection_revoke(connection, user=request.auth.user)
    return {"detail": outcome, "connection": connection}


@router.delete("/connections/{link_name}", response={204: None, **ERRORS}, summary="Delete a connection")
def connection_delete(request, link_name: str):
    require(request, Scope.CONNECTIONS_WRITE)
    services.connection_delete(connection=own(request, link_name), user=request.auth.user)
    return Status(204, None)


class CredentialField(Schema):
    name: str = Field(description="The key to send in `credentials`")
    label: str
    secret: bool
    required: bool
    help_text: str


class ConnectableOut(Schema):
    id: int
    link_name: str
    name: str
    description: str
    grant: str = Field(description="form: send credentials (POST /connections); direct: no values needed; "
                                   "redirect: the provider's pages (make a connect link)")
    fields: list[CredentialField]
    scopes: list[dict[str, str]]


class ConnectablePage(Schema):
    count: int
    page: int
    page_size: int
    links: Links
    results: list[ConnectableOut]


def _connectable(connector):
    kind = connector.kind
    grant = kind.grant_kind(connector.kind_config)
    form_class = kind.credential_form(connector.config) if grant == FORM else None
    fields = []
    if form_class is not None:
        form = form_class(config=connector.config)
        fields = [{"name": name, "label": str(field.label or name), "secret": name in form.secret_fields,
                   "required": field.required, "help_text": str(field.help_text or "")}
                  for name, field in form.fields.items()]
    return {"id": connector.pk, "link_name": connector.link_name, "name": connector.name,
            "description": connector.description, "grant": grant, "fields": fields,
            "scopes": [{"name": scope.name, "value": scope.value} for scope in connector.scopes.all()]}


class ConnectableFilters(Schema):
    q: str | None = Field(None, description="Search in names and link names", max_length=100)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


@router.get("/connectable-connectors", response={200: ConnectablePage, **ERRORS},
            summary="The Ready connectors you may add a connection to, and what each asks for")
def connectable_list(request, filters: Query[ConnectableFilters]):
    require(request, Scope.CONNECTIONS_READ)
    connectors = (Connector.objects.visible_to(request.auth.user).filter(stage=Stage.READY).exclude(auth_type="")
                  .defer("logo", "secrets").prefetch_related("scopes").search(filters.q))
    page = page_of(request, connectors, page=filters.page, page_size=filters.page_size)
    page["results"] = [_connectable(connector) for connector in page["results"]]
    return page
