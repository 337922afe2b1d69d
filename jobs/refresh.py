"""Proactive refresh: tokens due soon are refreshed before a call needs them (item 1 of issue 10).

Everything goes through connections.tokens.connection_refresh, the one locked refresh path, so
a background refresh and a call's own refresh of the same token make one token request.
"""

import datetime

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from auth_types.base import FORM
from builder.models import Connector
from connections import tokens
from connections.errors import ConnectionNeedsReauthorization, ConnectionUnavailable, TokenRefreshFailed
from connections.models import Connection, ConnectionEvent

REFRESHED, NEEDS_REAUTHORIZATION, FAILED, SKIPPED = "refreshed", "needs reauthorization", "failed", "skipped"
OUTCOMES = (REFRESHED, NEEDS_REAUTHORIZATION, FAILED, SKIPPED)
# Events after which a connection holds a token just issued (its refresh token was just used or given).
TOKEN_ISSUED = (ConnectionEvent.Action.CREATED, ConnectionEvent.Action.AUTHORIZED, ConnectionEvent.Action.REFRESHED)


def refresh_window():
    return datetime.timedelta(seconds=settings.CONNECTORS_REFRESH_WINDOW)


def exercise_after():
    """How long a refresh token may go unused before it is exercised (None: never)."""
    days = settings.CONNECTORS_REFRESH_EXERCISE_DAYS
    return datetime.timedelta(days=days) if days else None


def due_to_expire(within):
    """The connections whose token expires within `within`."""
    return tokens.connections_expiring(within)


def due_to_exercise(unused_for):
    """Connected connections of providers' tokens (not typed values) whose token was last issued longer
    than `unused_for` ago (providers that rotate refresh tokens let an unused one lapse). Those that
    hold no refresh token are skipped when refreshed."""
    connectors = [connector.pk for connector in Connector.objects.all()
                  if connector.kind.grant_kind(connector.kind_config) != FORM]
    return (Connection.objects.filter(enabled=True, status=Connection.Status.CONNECTED, connector__in=connectors)
            .annotate(token_issued_at=Max("events__at", filter=Q(events__action__in=TOKEN_ISSUED)))
            .filter(Q(token_issued_at__lt=timezone.now() - unused_for) | Q(token_issued_at__isnull=True))
            .select_related("connector"))


def refresh_one(connection, *, within=None, exercise=False):
    """Refresh one connection's token if still due (re-read under the lock); return the outcome.

    within: refresh when it expires within this window. exercise: refresh now (its refresh token
    has not been used for a while), unless another worker refreshed it meanwhile.
    """
    kind = connection.connector.kind
    if connection.needs_reconfiguration or not connection.secrets or \
            not kind.can_refresh(connection.connector.kind_config, connection.secrets):
        return SKIPPED
    before = kind.token_identity(connection.secrets)
    try:
        if exercise:
            tokens.connection_refresh(connection, force=True)
        else:
            tokens.connection_refresh(connection, margin=within or refresh_window())
    except ConnectionNeedsReauthorization:
        return NEEDS_REAUTHORIZATION
    except TokenRefreshFailed:
        return FAILED
    except ConnectionUnavailable:
        return SKIPPED
    return REFRESHED if kind.token_identity(connection.secrets) != before else SKIPPED
