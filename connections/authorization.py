"""Authorizing a connection through the provider: the redirect flows and the direct grants.

A flow in progress is a PendingAuthorization row (its secrets encrypted), found by its state:
it is bound to the user and to the browser session that began it, used once, and void after ten
minutes. Nothing is saved before the provider's answer has been checked and the token obtained.
"""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from auth_types.base import DIRECT, REDIRECT, AuthError
from auth_types.variables import VariableProblem, fill_scope

from .models import Connection, ConnectionEvent, PendingAuthorization
from builder.services import save_with_unique_link_name
from builder.validators import link_name_from
from connectors_site.crypto import is_undecryptable
from .tokens import store_credentials

# The session holds a random value naming it; pending flows hold its digest (not the session key,
# which the session engine may change).
SESSION_BINDING_KEY = "authorization_binding"
MAX_FLOWS = 5
Action = ConnectionEvent.Action


class AuthorizationFailed(Exception):
    """The authorization could not be completed; the message is safe to show.

    `connection_id` names the connection being reauthorized, when it was one (to try again there).
    """

    def __init__(self, message, *, connection_id=None):
        super().__init__(message)
        self.connection_id = connection_id


class ConfirmationNeeded(Exception):
    """The new credentials wait for the user's word (another provider account, say): send them to `url`."""

    def __init__(self, url):
        super().__init__(url)
        self.url = url


# Checks other apps register (in AppConfig.ready) to run before a connection's credentials are
# replaced by new ones, and after any are saved: each is called as
# check(session=, connector=, connection=, credentials=, user=) with `connection` None for a new one;
# it may raise ConfirmationNeeded (only when replacing), and returns None or a callable to run
# with the saved connection.
CREDENTIAL_CHECKS = []


def _checked(*, session, connector, connection_id, credentials, user):
    connection = Connection.objects.filter(pk=connection_id, owner=user).first() if connection_id else None
    return [after for check in CREDENTIAL_CHECKS
            if (after := check(session=session, connector=connector, connection=connection,
                               credentials=credentials, user=user))]


def hold_for_confirmation(*, session, connector, connection, credentials, user, details):
    """Keep new credentials (encrypted, ten minutes, this user and session) until confirmed; return the
    token naming them."""
    token = secrets.token_urlsafe(32)
    PendingAuthorization.objects.create(
        state_digest=_digest(token), session_digest=_session_digest(session, create=True), user=user,
        connector=connector, connection=connection, flow={"confirm": credentials, "details": details})
    return token


def held(session, token, user):
    """The held credentials' row (not used up), or None."""
    session_digest = _session_digest(session)
    if not token or not session_digest:
        return None
    pending = PendingAuthorization.objects.filter(
        state_digest=_digest(token), session_digest=session_digest, user=user,
        created_at__gt=timezone.now() - PendingAuthorization.LIFETIME).select_related("connection").first()
    return pending if pending and not is_undecryptable(pending.flow) and "confirm" in pending.flow else None


def confirm_held(*, session, token, user, replace):
    """Replace the connection's credentials with the held ones (replace=True) or drop them; return the
    connection (the caller records what the confirmation was about: the held `details`)."""
    pending = held(session, token, user)
    if pending is None or not _take_pending(session, token):
        raise AuthorizationFailed("This confirmation is unknown, expired or already used. Reauthorize again.")
    if not replace:
        return pending.connection
    return _save(connector=pending.connection.connector, user=user, credentials=pending.flow["confirm"], name="",
                 connection_id=pending.connection_id)


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()


def _session_digest(session, *, create=False):
    if SESSION_BINDING_KEY not in session and create:
        session[SESSION_BINDING_KEY] = secrets.token_urlsafe(32)
    value = session.get(SESSION_BINDING_KEY)
    return _digest(value) if value else None


def _config(connector, values):
    """Return the connector's config with the connection's variable values filled in; AuthorizationFailed if not."""
    try:
        return connector.kind_config_with(values or {})
    except VariableProblem as error:
        raise AuthorizationFailed(str(error)) from None


def _scopes(connector, scopes, values):
    """Return the chosen scope values with the connection's variable values filled in (Dynamics 365's
    https://{org}.crm.dynamics.com/user_impersonation); AuthorizationFailed if one cannot be."""
    try:
        return [fill_scope(scope, connector.variables, values or {}) for scope in scopes]
    except VariableProblem as error:
        raise AuthorizationFailed(str(error)) from None


def authorization_begin(*, session, connector, user, redirect_uri, name="", scopes=(), connection=None,
                        variables=None):
    """Start a redirect flow; return the provider URL to send the user to.

    `variables` are the connection's values of the connector's variables (its {shop}), checked already.
    """
    kind = connector.kind
    try:
        url, flow = kind.begin(_config(connector, variables), connector.secrets, redirect_uri=redirect_uri,
                               scopes=_scopes(connector, scopes, variables))
    except AuthError as error:
        raise AuthorizationFailed(str(error)) from None
    session_digest = _session_digest(session, create=True)
    state_digest = _digest(flow["state"])
    PendingAuthorization.objects.expired().delete()
    with transaction.atomic():
        PendingAuthorization.objects.filter(state_digest=state_digest).delete()
        PendingAuthorization.objects.create(state_digest=state_digest, session_digest=session_digest, user=user,
                                            connector=connector, connection=connection, name=name, flow=flow,
                                            variables=variables or {})
    # Keep the newest few: a user may start several, but they must not pile up without end.
    older = PendingAuthorization.objects.filter(session_digest=session_digest).order_by("-created_at", "-pk")
    PendingAuthorization.objects.filter(pk__in=list(older.values_list("pk", flat=True)[MAX_FLOWS:])).delete()
    return url


def _take_pending(session, state):
    """Return the session's pending flow with this state and delete it (single use), or None."""
    session_digest = _session_digest(session)
    if not state or not session_digest:
        return None
    pending = PendingAuthorization.objects.filter(
        state_digest=_digest(state), session_digest=session_digest,
        created_at__gt=timezone.now() - PendingAuthorization.LIFETIME,
    ).first()
    # Deleted here or by a concurrent callback with the same state: only one of them goes on.
    if pending is None or not PendingAuthorization.objects.filter(pk=pending.pk).delete()[0]:
        return None
    return None if is_undecryptable(pending.flow) else pending


def authorization_complete(*, session, connector, user, params, redirect_uri):
    """Finish a redirect flow from the callback's query; return the connection (created or updated)."""
    PendingAuthorization.objects.expired().delete()
    kind = connector.kind
    if kind is None or kind.grant_kind(connector.kind_config) != REDIRECT:
        # The connector changed type since the flow began, or this is another type's callback id.
        PendingAuthorization.objects.filter(connector=connector, user=user).delete()
        raise AuthorizationFailed("This connector no longer authorizes through the provider's pages.")
    pending = _take_pending(session, kind.callback_state(params))
    if pending is None:
        # A denial may come back without the state (nothing to find the flow by): it is still a denial.
        raise AuthorizationFailed(kind.callback_denial(params)
                                  or "This authorization is unknown, expired or already used. Start it again.")
    if pending.connector_id != connector.pk or pending.user_id != user.pk:
        raise AuthorizationFailed("This authorization belongs to another connector. Start it again.")
    try:
        credentials = kind.complete(_config(connector, pending.variables), connector.secrets, flow=pending.flow,
                                    params=params, redirect_uri=redirect_uri)
    except (AuthError, AuthorizationFailed) as error:
        raise AuthorizationFailed(str(error), connection_id=pending.connection_id) from None
    after = _checked(session=session, connector=connector, connection_id=pending.connection_id,
                     credentials=credentials, user=user)
    connection = _save(connector=connector, user=user, credentials=credentials, name=pending.name,
                       connection_id=pending.connection_id, variables=pending.variables)
    for step in after:
        step(connection)
    return connection


def authorization_direct(*, connector, user, name="", scopes=(), connection=None, variables=None, values=None,
                         session=None):
    """Obtain a token without a redirect (client credentials, a service account); return the connection.

    `values` are what the end user gave first when the type asks for any (its credential_form);
    `variables` fill the connector's {placeholders}.
    """
    if connector.kind.grant_kind(connector.kind_config) != DIRECT:
        raise AuthorizationFailed("This connector needs the provider's authorization pages.")
    extra = {"values": values} if values is not None else {}
    try:
        credentials = connector.kind.fetch_token(_config(connector, variables), connector.secrets,
                                                 scopes=_scopes(connector, scopes, variables), **extra)
    except AuthError as error:
        raise AuthorizationFailed(str(error)) from None
    connection_id = connection.pk if connection else None
    after = _checked(session=session, connector=connector, connection_id=connection_id, credentials=credentials,
                     user=user)
    connection = _save(connector=connector, user=user, credentials=credentials, name=name,
                       connection_id=connection_id, variables=variables)
    for step in after:
        step(connection)
    return connection


@transaction.atomic
def _save(*, connector, user, credentials, name, connection_id, variables=None):
    if connection_id:
        connection = Connection.objects.select_for_update().get(pk=connection_id, owner=user)
        action = Action.AUTHORIZED
    else:
        connection = Connection(connector=connector, owner=user, name=name or connector.name)
        action = Action.CREATED
    connection.connector = connector
    connection.variables = dict(variables or {})
    try:
        store_credentials(connection, credentials, variables_required=True)
    except VariableProblem as error:
        raise AuthorizationFailed(str(error), connection_id=connection_id) from None
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
