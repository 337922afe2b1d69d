"""Connect links: a program hands one of its users a link to add a connection, then polls for the result
(or receives it by webhook: connect_link.completed, connect_link.expired)."""

import datetime
import json
import uuid

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder

from builder.models import Connector, Stage

from ..authentication import require
from ..models import ConnectLink
from ..scopes import Scope
from .common import ERRORS, connector_by_ref
from .connections import health_of

router = Router(tags=["connect links"])


class ConnectLinkIn(Schema):
    connector: int | str = Field(description="A Ready connector's id or link name")


class LinkConnection(Schema):
    link_name: str
    name: str
    status: str
    health: str


class ConnectLinkOut(Schema):
    id: uuid.UUID
    connector: int
    status: str = Field(description="pending (not opened), opened, connected or expired")
    created_at: datetime.datetime
    expires_at: datetime.datetime
    connection: LinkConnection | None = Field(
        description="The connection made through the link (it belongs to the user who opened it)")


class ConnectLinkCreated(ConnectLinkOut):
    url: str = Field(description="Single use, valid for 30 minutes; shown only in this answer")


def _out(link, **extra):
    status = link.result()
    connection = link.connection if status == ConnectLink.Status.CONNECTED else None
    return {"id": link.public_id, "connector": link.connector_id, "status": status,
            "created_at": link.created_at, "expires_at": link.expires_at,
            "connection": connection and {"link_name": connection.link_name, "name": connection.name,
                                          "status": connection.status, "health": health_of(connection)},
            **extra}


def link_result(link):
    """What polling `link` answers, as JSON-ready data (webhooks send the same, to the character)."""
    return json.loads(json.dumps(ConnectLinkOut.model_validate(_out(link)), cls=NinjaJSONEncoder))


@router.post("/connect-links", response={201: ConnectLinkCreated, **ERRORS}, summary="Make a connect link")
def connect_link_create(request, payload: ConnectLinkIn):
    require(request, Scope.CONNECTIONS_WRITE)
    connector = connector_by_ref(payload.connector, Connector.objects.visible_to(request.auth.user)
                                 .filter(stage=Stage.READY), pointer="/connector")
    link, secret = ConnectLink.issue(user=request.auth.user, token=request.auth, connector=connector)
    url = request.build_absolute_uri(reverse("connect_link", args=[secret]))
    return Status(201, _out(link, url=url))


@router.get("/connect-links/{link_id}", response={200: ConnectLinkOut, **ERRORS},
            summary="Poll a connect link for its result")
def connect_link_read(request, link_id: uuid.UUID):
    require(request, Scope.CONNECTIONS_READ)
    link = get_object_or_404(ConnectLink.objects.select_related("connection"), public_id=link_id,
                             created_by=request.auth.user)
    return _out(link)
