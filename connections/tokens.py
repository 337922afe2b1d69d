"""Keeping OAuth tokens working: refresh on time and exactly once, recognise a dead grant, revoke.

A refresh of one connection is serialised with a row lock: the worker that takes the lock
re-reads the row and refreshes only if nobody did it meanwhile. On PostgreSQL this holds
across threads and processes; SQLite has no row locks (see README).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from auth_types.base import AuthError, GrantInvalid
from connectors_site.crypto import is_undecryptable

from .errors import (ConnectionDisabled, ConnectionNeedsReauthorization, ConnectionNeedsReconfiguration,
                     ConnectionNotAuthorized, TokenRefreshFailed)
from .models import Connection, ConnectionEvent

REFRESH_MARGIN = datetime.timedelta(seconds=60)
Action = ConnectionEvent.Action


def expires_soon(connection, *, margin=REFRESH_MARGIN):
    return connection.token_expires_at is not None and connection.token_expires_at <= timezone.now() + margin


def store_credentials(connection, credentials):
    """Set the credentials and what is derived from them (expiry, granted scopes) on the instance."""
    kind = connection.connector.kind
    connection.secrets = credentials
    connection.token_expires_at = kind.expires_at(credentials)
    connection.granted_scopes = kind.granted_scopes(credentials)[:2000]


def _refusal(connection):
    """Return why no token call may be made for this (locked, current) row, or None."""
    if connection.status == Connection.Status.NEEDS_REAUTHORIZATION:
        return ConnectionNeedsReauthorization(connection.token_error)
    if not connection.enabled:
        return ConnectionDisabled()
    if connection.needs_reconfiguration or is_undecryptable(connection.connector.secrets):
        return ConnectionNeedsReconfiguration()
    if connection.status == Connection.Status.REVOKED or not connection.secrets:
        return ConnectionNotAuthorized()
    return None


def connection_refresh(connection, *, user=None, force=False, stale_token=None, margin=REFRESH_MARGIN):
    """Refresh the connection's token if it (still) needs it; return the connection, up to date.

    Without arguments: if it expires within `margin`. `force`: now (the Refresh now button).
    `stale_token`: if the stored token is still the one a call was refused with (a 401; another
    worker may have refreshed it already).
    """
    connector = connection.connector
    kind = connector.kind
    failure = None
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        locked.connector = connector
        refusal = _refusal(locked)
        if refusal:
            raise refusal
        if stale_token is not None:
            needed = kind.token_identity(locked.secrets) == stale_token
        else:
            needed = force or expires_soon(locked, margin=margin)
        if needed and kind.can_refresh(connector.kind_config, locked.secrets):
            try:
                credentials = kind.refresh(connector.kind_config, connector.secrets, locked.secrets)
            except GrantInvalid as error:
                _mark_needs_reauthorization(locked, reason=str(error), user=user, event=f"Refresh refused: {error}")
                failure = ConnectionNeedsReauthorization(str(error))
            except AuthError as error:  # ProviderUnavailable and the like: the grant may still be good
                locked.record_event(Action.FAILED, user=user, detail=f"Refresh failed, will retry: {error}")
                failure = TokenRefreshFailed(f"The token could not be refreshed now; try again later. ({error})")
            else:
                store_credentials(locked, credentials)
                locked.status = Connection.Status.CONNECTED
                locked.save(update_fields=["secrets", "token_expires_at", "granted_scopes", "status", "updated_at"])
                locked.record_event(Action.REFRESHED, user=user)
    if failure:
        raise failure
    for field in ("secrets", "token_expires_at", "granted_scopes", "status"):
        setattr(connection, field, getattr(locked, field))
    return connection


def _mark_needs_reauthorization(locked, *, reason, user, event):
    locked.status = Connection.Status.NEEDS_REAUTHORIZATION
    locked.token_error = locked.last_error = reason[:500]
    locked.save(update_fields=["status", "token_error", "last_error", "updated_at"])
    locked.record_event(Action.FAILED, user=user, detail=event)


def connection_token_rejected(connection, *, stale_token, reason, user=None):
    """Mark the connection Needs reauthorization: the API answered `stale_token` with its expiry signal
    and no refresh can replace it. Return the error to raise (the call's error).

    Nothing changes when the stored token is no longer the rejected one (reauthorized meanwhile).
    """
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        locked.connector = connection.connector
        if locked.status == Connection.Status.CONNECTED and \
                connection.connector.kind.token_identity(locked.secrets) == stale_token:
            _mark_needs_reauthorization(locked, reason=reason, user=user, event=f"Token rejected: {reason}")
    for field in ("status", "token_error", "last_error"):
        setattr(connection, field, getattr(locked, field))
    return ConnectionNeedsReauthorization(reason)


def connection_revoke(connection, *, user):
    """Revoke the grant at the provider (when it can) and delete the local tokens whatever it answers."""
    connector = connection.connector
    outcome = "Stored values deleted."
    if connection.secrets and not connection.needs_reconfiguration and not is_undecryptable(connector.secrets):
        try:
            if connector.kind.revoke(connector.kind_config, connector.secrets, connection.secrets) is not False:
                outcome = "Revoked at the provider; stored tokens deleted."
        except (AuthError, KeyError) as error:
            outcome = f"Local tokens deleted; the provider did not confirm the revocation ({error})."
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        locked.secrets, locked.token_expires_at = {}, None
        locked.status = Connection.Status.REVOKED
        locked.save(update_fields=["secrets", "token_expires_at", "status", "updated_at"])
        locked.record_event(Action.REVOKED, user=user, detail=outcome)
    connection.secrets, connection.token_expires_at, connection.status = {}, None, locked.status
    return outcome


def connections_expiring(within):
    """Return the enabled, connected connections whose token expires within `within` (a timedelta)."""
    return Connection.objects.filter(
        enabled=True, status=Connection.Status.CONNECTED, token_expires_at__lte=timezone.now() + within
    ).select_related("connector")
