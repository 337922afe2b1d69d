"""Health checks (issue 10 item 2): scheduled test requests, spread over each connector's interval.

A connection's health is one of Health: Disabled, Revoked and Needs reauthorization come from the
connection itself; otherwise it is Degraded while its checks fail (since `failing_since`) and
Connected when the last one passed. A check is the connector's test request made through the one
call path (connections.services.connection_request), so an expired token is refreshed, and a token
the provider refuses marks the connection Needs reauthorization, exactly as for any call.
"""

import datetime
import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from connections import services
from connections.models import Connection
from connectors_site import outbound

from .models import ConnectionHealth, HealthCheck, HealthPolicy

Outcome = HealthCheck.Outcome
CHART_CHECKS = 48
CHECKED_STATUSES = (Connection.Status.CONNECTED, Connection.Status.FAILING)
# Sent with (connection, before, after) when a check changes a connection's health.
health_changed = Signal()


class Health(models.TextChoices):
    CONNECTED = "connected", "Connected"
    DEGRADED = "degraded", "Degraded"
    NEEDS_REAUTHORIZATION = "needs_reauthorization", "Needs reauthorization"
    DISABLED = "disabled", "Disabled"
    REVOKED = "revoked", "Revoked"


ATTENTION = (Health.DEGRADED, Health.NEEDS_REAUTHORIZATION)


def health_record(connection):
    """The connection's ConnectionHealth, or None (no query when it was select_related)."""
    try:
        return connection.health
    except ConnectionHealth.DoesNotExist:
        return None


def health_of(connection):
    if not connection.enabled:
        return Health.DISABLED
    if connection.status == Connection.Status.REVOKED:
        return Health.REVOKED
    if connection.status in (Connection.Status.NEEDS_REAUTHORIZATION, Connection.Status.PENDING):
        return Health.NEEDS_REAUTHORIZATION
    record = health_record(connection)
    if record is not None and record.failing_since is not None:
        return Health.DEGRADED
    if connection.status == Connection.Status.FAILING and not (
            record and record.last_checked_at and connection.last_test_at
            and record.last_checked_at > connection.last_test_at):
        return Health.DEGRADED  # the last test failed and no check passed since
    return Health.CONNECTED


def told_by_status(connection):
    """Return the health the connection's status badge already tells (connections/_status.html), or None
    when it tells none (a connection whose values must be entered again)."""
    if not connection.enabled:
        return Health.DISABLED
    if connection.needs_reconfiguration:
        return None
    return {Connection.Status.CONNECTED: Health.CONNECTED, Connection.Status.FAILING: Health.DEGRADED,
            Connection.Status.REVOKED: Health.REVOKED, Connection.Status.PENDING: Health.NEEDS_REAUTHORIZATION,
            Connection.Status.NEEDS_REAUTHORIZATION: Health.NEEDS_REAUTHORIZATION}.get(connection.status)


def needs_attention(connections):
    """Filter a Connection queryset to those Needs reauthorization or Degraded."""
    return connections.filter(enabled=True).filter(
        Q(status__in=[Connection.Status.NEEDS_REAUTHORIZATION, Connection.Status.PENDING, Connection.Status.FAILING])
        | Q(status=Connection.Status.CONNECTED, health__failing_since__isnull=False))


def interval_for(connector, policies=None):
    """The time between two checks of the connector's connections, or None when they are not checked."""
    if not connector.test_url:
        return None
    policy = policies.get(connector.pk) if policies is not None else \
        HealthPolicy.objects.filter(connector=connector).first()
    minutes = policy.interval_minutes if policy else settings.CONNECTORS_HEALTH_INTERVAL
    return datetime.timedelta(minutes=minutes) if minutes else None


def spread(pk, interval):
    """A connection's fixed place within the interval: checks of many connections never come at once."""
    fraction = (pk * 0.6180339887498949) % 1.0  # the golden ratio spreads consecutive keys evenly
    return datetime.timedelta(seconds=int(fraction * interval.total_seconds()))


def _slot_after(pk, interval, now):
    """The connection's next place in the schedule after `now`."""
    period = int(interval.total_seconds())
    start = int(now.timestamp()) // period * period + int(spread(pk, interval).total_seconds())
    at = datetime.datetime.fromtimestamp(start, tz=datetime.timezone.utc)
    return at if at > now else at + interval


def reschedule(connector, now=None):
    """Give the connector's scheduled connections their place in its interval, after it changed (checks off:
    looked at again tomorrow, as due_checks does)."""
    interval, now = interval_for(connector), now or timezone.now()
    records = list(ConnectionHealth.objects.filter(connection__connector=connector).only("pk", "connection_id"))
    for record in records:
        record.next_check_at = _slot_after(record.connection_id, interval, now) if interval \
            else now + datetime.timedelta(days=1)
    ConnectionHealth.objects.bulk_update(records, ["next_check_at"], batch_size=500)


def due_checks(now=None):
    """Put new connections in the schedule, move each due one to its next slot; return the pks to check now."""
    now = now or timezone.now()
    policies = {policy.connector_id: policy for policy in HealthPolicy.objects.all()}
    eligible = Connection.objects.filter(enabled=True, status__in=CHECKED_STATUSES).exclude(connector__test_url="")
    new = []
    for connection in eligible.filter(health__isnull=True).select_related("connector").only(
            "pk", "connector", "connector__test_url"):
        interval = interval_for(connection.connector, policies)
        if interval:
            new.append(ConnectionHealth(connection=connection, next_check_at=_slot_after(connection.pk, interval, now)))
    ConnectionHealth.objects.bulk_create(new, ignore_conflicts=True)
    due = list(ConnectionHealth.objects.filter(next_check_at__lte=now, connection__in=eligible)
               .select_related("connection__connector").only("pk", "next_check_at", "connection",
                                                             "connection__connector",
                                                             "connection__connector__test_url"))
    checks, moved = [], []
    for record in due:
        interval = interval_for(record.connection.connector, policies)
        if interval is None:
            record.next_check_at = now + datetime.timedelta(days=1)  # checks off: look again tomorrow
        else:
            checks.append(record.connection_id)
            following = record.next_check_at + interval
            # Behind by more than an interval (no consumer for a while): back to its own slot, not all at once.
            record.next_check_at = following if following > now else _slot_after(record.connection_id, interval, now)
        moved.append(record)
    ConnectionHealth.objects.bulk_update(moved, ["next_check_at"], batch_size=500)
    return checks


def check(connection):
    """Run the connector's test request through `connection` now; record and return the HealthCheck."""
    connector = connection.connector
    before = health_of(connection)
    status_code, error = None, ""
    started = time.monotonic()
    try:
        response = services.connection_request(connection, connector.test_method, connector.test_url,
                                               record_usage=False)
        status_code = response.status_code
        outcome = Outcome.OK if status_code < 400 else Outcome.FAILED
        if outcome != Outcome.OK:
            error = f"HTTP {status_code} {response.reason or ''}".strip()
    except services.ConnectionNeedsReauthorization as failure:
        outcome, error = Outcome.REAUTHORIZE, str(failure)
    except services.TokenRefreshFailed as failure:
        outcome, error = Outcome.FAILED, str(failure)
    except services.ConnectionUnavailable as failure:
        outcome, error = Outcome.UNAVAILABLE, str(failure)
    except outbound.OutboundError as failure:
        outcome, error = Outcome.FAILED, str(failure)
    latency = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    # Checked by hand (or first): its place in the schedule is the next slot of its connector's interval.
    # The record comes first: the connection's page reads checks only of a connection that has one.
    interval = interval_for(connector) or datetime.timedelta(hours=1)
    record, _ = ConnectionHealth.objects.get_or_create(
        connection=connection, defaults={"next_check_at": _slot_after(connection.pk, interval, now)})
    result = HealthCheck.objects.create(
        connection=connection, checked_at=now, outcome=outcome, status_code=status_code, latency_ms=latency,
        error=services.connection_masker(connection).text(error)[:500])
    record.last_checked_at = now
    if outcome == Outcome.OK:
        record.failing_since = None
        Connection.objects.filter(pk=connection.pk, status=Connection.Status.FAILING).update(
            status=Connection.Status.CONNECTED)
    elif outcome == Outcome.FAILED and record.failing_since is None:
        record.failing_since = now
    elif outcome == Outcome.REAUTHORIZE:
        record.failing_since = None  # the connection's status says it now
    record.save(update_fields=["last_checked_at", "failing_since"])
    HealthCheck.objects.filter(connection=connection, checked_at__lt=now - HealthCheck.KEEP).delete()
    connection.refresh_from_db(fields=["status", "enabled", "last_test_at"])
    connection.health = record
    after = health_of(connection)
    if after != before:
        health_changed.send(sender=ConnectionHealth, connection=connection, before=before, after=after)
    return result


def recent_checks(connection, count=CHART_CHECKS):
    """The last `count` checks, oldest first."""
    return list(reversed(HealthCheck.objects.filter(connection=connection)[:count]))


def next_refresh_at(connection):
    """When proactive refresh will renew the connection's token (None: nothing to renew)."""
    if connection.token_expires_at is None or not connection.enabled or \
            connection.status != Connection.Status.CONNECTED or not connection.can_refresh:
        return None
    return max(connection.token_expires_at - datetime.timedelta(seconds=settings.CONNECTORS_REFRESH_WINDOW),
               timezone.now())
