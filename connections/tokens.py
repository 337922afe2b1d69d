"""Keeping OAuth tokens working: refresh on time and exactly once, recognise a dead grant, revoke.

A refresh of one connection is serialised with a row lock: the worker that takes the lock
re-reads the row and refreshes only if nobody did it meanwhile. On PostgreSQL this holds
across threads and processes; SQLite has no row locks (see README).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from auth_types.base import AuthError, GrantInvalid, ProviderUnavailable

from .errors import ConnectionNeedsReauthorization, TokenRefreshFailed
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


def _event(connection, user, action, detail=""):
    ConnectionEvent.objects.create(connection=connection, user=user, action=action, detail=detail[:500])


def connection_refresh(connection, *, user=None, force=False, stale_access_token=None):
    """Refresh the connection's token if it (still) needs it; return the connection, up to date.

    `force` refreshes even before expiry (a 401, the Refresh now button); with
    `stale_access_token`, only if the stored token is still that one (another worker may
    have refreshed it already).
    """
    connector = connection.connector
    kind = connector.kind
    failure = None
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        locked.connector = connector
        if locked.status == Connection.Status.NEEDS_REAUTHORIZATION:
            raise ConnectionNeedsReauthorization()
        if stale_access_token is not None:
            needed = locked.secrets.get("access_token") == stale_access_token
        else:
            needed = force or expires_soon(locked)
        if needed and kind.can_refresh(connector.kind_config, locked.secrets):
            try:
                credentials = kind.refresh(connector.kind_config, connector.secrets, locked.secrets)
            except GrantInvalid as error:
                locked.status = Connection.Status.NEEDS_REAUTHORIZATION
                locked.last_error = str(error)[:500]
                locked.save(update_fields=["status", "last_error", "updated_at"])
                _event(locked, user, Action.FAILED, f"Refresh refused: {error}")
                failure = ConnectionNeedsReauthorization(str(error))
            except (ProviderUnavailable, AuthError) as error:
                _event(locked, user, Action.FAILED, f"Refresh failed, will retry: {error}")
                failure = TokenRefreshFailed(f"The token could not be refreshed now; try again later. ({error})")
            else:
                store_credentials(locked, credentials)
                locked.status = Connection.Status.CONNECTED
                locked.save(update_fields=["secrets", "token_expires_at", "granted_scopes", "status", "updated_at"])
                _event(locked, user, Action.REFRESHED)
    if failure:
        raise failure
    for field in ("secrets", "token_expires_at", "granted_scopes", "status"):
        setattr(connection, field, getattr(locked, field))
    return connection


def connection_revoke(connection, *, user):
    """Revoke the grant at the provider (when it can) and delete the local tokens whatever it answers."""
    connector = connection.connector
    outcome = "Revoked at the provider."
    if connection.secrets and not connection.needs_reconfiguration:
        try:
            connector.kind.revoke(connector.kind_config, connector.secrets, connection.secrets)
        except (NotImplementedError, AttributeError):
            outcome = "Stored values deleted."
        except AuthError as error:
            outcome = f"Local tokens deleted; the provider did not confirm the revocation ({error})."
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        locked.secrets, locked.token_expires_at = {}, None
        locked.status = Connection.Status.REVOKED
        locked.save(update_fields=["secrets", "token_expires_at", "status", "updated_at"])
        _event(locked, user, Action.REVOKED, outcome)
    connection.secrets, connection.token_expires_at, connection.status = {}, None, locked.status
    return outcome


def connections_expiring(within):
    """Return the enabled, connected connections whose token expires within `within` (a timedelta)."""
    return Connection.objects.filter(
        enabled=True, status=Connection.Status.CONNECTED, token_expires_at__lte=timezone.now() + within
    ).select_related("connector")
