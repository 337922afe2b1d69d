"""Keeping OAuth tokens working: refresh on time and exactly once, recognise a dead grant, revoke.

A refresh of one connection is serialised by a lock per connection within the process and a
row lock (select_for_update, bounded by lock_timeout on PostgreSQL): the worker that takes
them re-reads the row and refreshes only if nobody did it meanwhile, and a failure is kept on
the row for a back-off, so waiters share it. On PostgreSQL this holds across threads and
processes; SQLite has no row locks, so there it holds across the threads of one process only
(see README).
"""

import dataclasses
import datetime
import math
import threading
import time
import weakref

from django.db import OperationalError, transaction
from django.db import connection as db
from django.utils import timezone

from auth_types import oauth_tokens, variables
from auth_types.base import AuthError, GrantInvalid
from connectors_site import timeouts
from connectors_site.crypto import is_undecryptable

from .errors import (ConnectionDisabled, ConnectionNeedsReauthorization, ConnectionNeedsReconfiguration,
                     ConnectionNotAuthorized, ConnectionUnavailable, TokenRefreshFailed)
from .models import Connection, ConnectionEvent

REFRESH_MARGIN = datetime.timedelta(seconds=60)
# After a failed refresh (5xx, timeout...) no token request is made for this long: callers get the failure.
REFRESH_BACKOFF = datetime.timedelta(seconds=30)
# How much longer than one token request a caller may wait for the refresh lock (queries, scheduling).
LOCK_MARGIN = timeouts.LOCK_MARGIN
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired
BUSY = "Another refresh of this connection's token is taking too long; try again in a moment."
Action = ConnectionEvent.Action


def expires_soon(connection, *, margin=REFRESH_MARGIN):
    return connection.token_expires_at is not None and connection.token_expires_at <= timezone.now() + margin


def store_credentials(connection, credentials, *, variables_required=False):
    """Set the credentials and what is derived from them (expiry, granted scopes, the connection variables
    the token response fills) on the instance.

    The token response's variables are checked (auth_types.variables); when `variables_required`
    (a new authorization), a missing or unusable one raises VariableProblem, otherwise the
    values held are kept.
    """
    kind = connection.connector.kind
    definitions = variables.from_token(connection.connector.variables)
    if definitions:
        try:
            found = variables.values_from_token(definitions, credentials.get("token_fields"))
        except variables.VariableProblem:
            if variables_required:
                raise
            found = {}
        connection.variables = {**(connection.variables or {}), **found}
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
    `stale_token`: if the stored token is still the one a call was refused with (the expiry
    signal; another worker may have refreshed it already).

    The one locked refresh path: one token request per expiry, whatever the provider answers.
    Callers queue behind the one making it and share its outcome: the new token, or its
    failure, which is remembered for REFRESH_BACKOFF (no token request until then). Nobody
    waits longer than the token timeout plus LOCK_MARGIN: a wait that would is answered
    with TokenRefreshFailed.
    """
    kind = connection.connector.kind
    deadline = time.monotonic() + wait_budget(kind)
    want = _Want(force=force, stale_token=stale_token, margin=margin,
                 seen_token=kind.token_identity(connection.secrets) if connection.secrets else None)
    gate = _gate(connection.pk)
    while True:
        if gate.lock.acquire(blocking=False):
            try:
                locked, failure = _lead(connection, want, user=user, deadline=deadline)
            finally:
                gate.lock.release()
            break
        # Another thread of this process is refreshing it: wait for that, then read what it left.
        if not gate.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise TokenRefreshFailed(BUSY)
        gate.lock.release()
        locked = Connection.objects.get(pk=connection.pk)
        locked.connector = connection.connector
        failure = _refusal(locked) or (_failed(locked) if want.needed(locked) and _backing_off(locked) else None)
        if failure or not want.needed(locked):
            break
    if failure:
        raise failure
    for field in ("secrets", "token_expires_at", "granted_scopes", "status", "token_error", "token_failed_at",
                  "variables"):
        setattr(connection, field, getattr(locked, field))
    return connection


@dataclasses.dataclass(frozen=True)
class _Want:
    """When a refresh is (still) needed for the caller: see connection_refresh."""

    force: bool
    stale_token: object
    margin: datetime.timedelta
    seen_token: object  # the token the caller held: a forced refresh done by another meanwhile is enough

    def needed(self, row):
        if self.stale_token is not None:
            return row.connector.kind.token_identity(row.secrets) == self.stale_token
        if self.force:
            return row.connector.kind.token_identity(row.secrets) == self.seen_token
        return expires_soon(row, margin=self.margin)


def _lead(connection, want, *, user, deadline):
    """Refresh under the row lock when still needed; return (the row, the error to raise or None)."""
    if db.features.has_select_for_update:
        with transaction.atomic():
            locked = _locked_row(connection.pk, deadline)
            return locked, _refresh_row(locked, connection.connector, want, user=user)
    # SQLite: no row locks, and an open transaction would block every writer for as long as the
    # provider takes; the gate serialises the threads of this process only (see README).
    locked = Connection.objects.get(pk=connection.pk)
    return locked, _refresh_row(locked, connection.connector, want, user=user)


def wait_budget(kind):
    """Return the longest a caller may wait for a refresh: one token request's timeout plus LOCK_MARGIN."""
    return timeouts.total(oauth_tokens.timeout(getattr(kind, "token_timeout", None))) + LOCK_MARGIN


class _Gate:
    """A lock per connection within this process, dropped when no thread holds or waits for it."""

    __slots__ = ("lock", "__weakref__")

    def __init__(self):
        self.lock = threading.Lock()


_gates = weakref.WeakValueDictionary()
_gates_guard = threading.Lock()


def _gate(pk):
    with _gates_guard:
        gate = _gates.get(pk)
        if gate is None:
            gate = _gates[pk] = _Gate()
        return gate


def _locked_row(pk, deadline):
    """Return the row locked FOR UPDATE, waiting no later than deadline (lock_timeout on PostgreSQL)."""
    if db.vendor != "postgresql":
        return Connection.objects.select_for_update().get(pk=pk)
    remaining_ms = max(1, int((deadline - time.monotonic()) * 1000))
    with db.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
                       [f"{remaining_ms}ms"])
        previous = cursor.fetchone()[0]
        try:
            locked = Connection.objects.select_for_update().get(pk=pk)
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                raise TokenRefreshFailed(BUSY) from None
            raise
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    return locked


def _backing_off(row):
    return row.token_failed_at is not None and timezone.now() < row.token_failed_at + REFRESH_BACKOFF


def _refresh_row(locked, connector, want, *, user):
    """Refresh the (locked, current) row when it needs it; return the error to raise, or None."""
    kind = connector.kind
    locked.connector = connector
    refusal = _refusal(locked)
    if refusal:
        return refusal
    try:
        config = locked.kind_config  # the connector's, with this connection's variables filled in
    except ConnectionUnavailable as error:
        return error
    if not want.needed(locked) or not kind.can_refresh(config, locked.secrets):
        return None
    if _backing_off(locked):
        # The last attempt failed moments ago (perhaps while this caller waited): share its outcome.
        return _failed(locked)
    try:
        credentials = kind.refresh(config, connector.secrets, locked.secrets)
    except GrantInvalid as error:
        _mark_needs_reauthorization(locked, reason=str(error), user=user, event=f"Refresh refused: {error}")
        return ConnectionNeedsReauthorization(str(error))
    except AuthError as error:  # ProviderUnavailable and the like: the grant may still be good
        locked.token_error, locked.token_failed_at = str(error)[:500], timezone.now()
        locked.save(update_fields=["token_error", "token_failed_at", "updated_at"])
        locked.record_event(Action.FAILED, user=user, detail=f"Refresh failed, will retry: {error}")
        return _failed(locked)
    store_credentials(locked, credentials)
    locked.status = Connection.Status.CONNECTED
    locked.token_error, locked.token_failed_at = "", None
    locked.save(update_fields=["secrets", "token_expires_at", "granted_scopes", "status", "token_error",
                               "token_failed_at", "variables", "updated_at"])
    locked.record_event(Action.REFRESHED, user=user)
    return None


def _failed(locked):
    retry_at = locked.token_failed_at + REFRESH_BACKOFF
    seconds = max(1, math.ceil((retry_at - timezone.now()).total_seconds()))
    return TokenRefreshFailed(f"The token could not be refreshed now; try again later (in {seconds} s at the "
                              f"earliest). ({locked.token_error})")


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
            if connector.kind.revoke(connection.kind_config, connector.secrets, connection.secrets) is not False:
                outcome = "Revoked at the provider; stored tokens deleted."
        except (AuthError, KeyError, ConnectionUnavailable) as error:
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
