"""Authorizing a connection through the provider: the redirect flows and the direct grants.

A flow in progress lives in the user's session (server side), keyed by its state: it is bound
to that session, used once, and expires after ten minutes. Nothing is saved before the
provider's answer has been checked and the token obtained.
"""

import time

from django.db import transaction

from auth_types.base import DIRECT, REDIRECT, AuthError

from .models import Connection, ConnectionEvent
from builder.services import save_with_unique_link_name
from builder.validators import link_name_from
from .tokens import store_credentials

SESSION_KEY = "connection_authorizations"
FLOW_LIFETIME = 10 * 60
MAX_FLOWS = 5
Action = ConnectionEvent.Action


class AuthorizationFailed(Exception):
    """The authorization could not be completed; the message is safe to show."""


def _flows(session):
    now = time.time()
    return {state: flow for state, flow in session.get(SESSION_KEY, {}).items()
            if now - flow["started_at"] < FLOW_LIFETIME}


def authorization_begin(*, session, connector, user, redirect_uri, name="", scopes=(), connection=None):
    """Start a redirect flow; return the provider URL to send the user to."""
    kind = connector.kind
    try:
        url, flow = kind.begin(connector.kind_config, connector.secrets, redirect_uri=redirect_uri,
                               scopes=list(scopes))
    except AuthError as error:
        raise AuthorizationFailed(str(error)) from None
    flows = _flows(session)
    flows[flow["state"]] = {
        "flow": flow, "connector_id": connector.pk, "user_id": user.pk, "name": name, "scopes": list(scopes),
        "connection_id": connection.pk if connection else None, "started_at": time.time(),
    }
    # Keep the newest few: a user may start several, but the session must not grow without end.
    session[SESSION_KEY] = dict(sorted(flows.items(), key=lambda item: item[1]["started_at"])[-MAX_FLOWS:])
    return url


def authorization_complete(*, session, connector, user, params, redirect_uri):
    """Finish a redirect flow from the callback's query; return the connection (created or updated)."""
    kind = connector.kind
    if kind is None or kind.grant_kind(connector.kind_config) != REDIRECT:
        # The connector changed type since the flow began, or this is another type's callback id.
        session[SESSION_KEY] = {}
        raise AuthorizationFailed("This connector no longer authorizes through the provider's pages.")
    state = kind.callback_state(params)
    flows = _flows(session)
    pending = flows.pop(state, None) if state else None
    session[SESSION_KEY] = flows  # single use: gone whatever happens next
    if pending is None:
        # A denial may come back without the state (nothing to find the flow by): it is still a denial.
        raise AuthorizationFailed(kind.callback_denial(params)
                                  or "This authorization is unknown, expired or already used. Start it again.")
    if pending["connector_id"] != connector.pk or pending["user_id"] != user.pk:
        raise AuthorizationFailed("This authorization belongs to another connector. Start it again.")
    try:
        credentials = kind.complete(connector.kind_config, connector.secrets, flow=pending["flow"], params=params,
                                    redirect_uri=redirect_uri)
    except AuthError as error:
        raise AuthorizationFailed(str(error)) from None
    return _save(connector=connector, user=user, credentials=credentials, name=pending["name"],
                 connection_id=pending["connection_id"])


def authorization_direct(*, connector, user, name="", scopes=(), connection=None):
    """Obtain a token without a redirect (client credentials); return the connection."""
    if connector.kind.grant_kind(connector.kind_config) != DIRECT:
        raise AuthorizationFailed("This connector needs the provider's authorization pages.")
    try:
        credentials = connector.kind.fetch_token(connector.kind_config, connector.secrets, scopes=list(scopes))
    except AuthError as error:
        raise AuthorizationFailed(str(error)) from None
    return _save(connector=connector, user=user, credentials=credentials, name=name,
                 connection_id=connection.pk if connection else None)


@transaction.atomic
def _save(*, connector, user, credentials, name, connection_id):
    if connection_id:
        connection = Connection.objects.select_for_update().get(pk=connection_id, owner=user)
        action = Action.AUTHORIZED
    else:
        connection = Connection(connector=connector, owner=user, name=name or connector.name)
        action = Action.CREATED
    connection.connector = connector
    store_credentials(connection, credentials)
    connection.status = Connection.Status.CONNECTED
    connection.last_error = connection.token_error = ""
    if connection.pk:
        connection.save()
    else:
        save_with_unique_link_name(connection, link_name_from(connection.name))
    if action == Action.CREATED:
        ConnectionEvent.objects.create(connection=connection, user=user, action=Action.CREATED)
    ConnectionEvent.objects.create(connection=connection, user=user, action=Action.AUTHORIZED,
                                   detail=f"Scopes granted: {connection.granted_scopes or '(none)'}"[:500])
    return connection
