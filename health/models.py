"""Health checks: each connection's scheduled test request and its recorded results."""

import datetime

from django.db import models
from django.utils import timezone

from builder.models import Connector
from connections.models import Connection


class HealthPolicy(models.Model):
    """How often a connector's connections are checked; absent: every CONNECTORS_HEALTH_INTERVAL minutes."""

    connector = models.OneToOneField(Connector, on_delete=models.CASCADE, related_name="health_policy")
    interval_minutes = models.PositiveIntegerField(
        default=60, help_text="Minutes between two checks of each connection (0: no health checks).")

    class Meta:
        verbose_name_plural = "health policies"

    def __str__(self):
        return f"Health checks of {self.connector}"


class ConnectionHealth(models.Model):
    """A connection's place in the check schedule and what its checks say."""

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="health")
    next_check_at = models.DateTimeField(db_index=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    # Since when the checks fail (the first failing check of the current run): Degraded.
    failing_since = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name_plural = "connection health"

    def __str__(self):
        return f"Health of {self.connection}"


class HealthCheck(models.Model):
    """One check: the connector's test request through the connection, and how it went."""

    class Outcome(models.TextChoices):
        OK = "ok", "Passed"
        FAILED = "failed", "Failed"  # 5xx, 429, a timeout, an error answer: may pass next time
        REAUTHORIZE = "reauthorize", "Needs reauthorization"  # the provider refused the token
        UNAVAILABLE = "unavailable", "Could not be made"  # the connection cannot be used now

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="health_checks")
    checked_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    KEEP = datetime.timedelta(days=30)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["connection", "-checked_at"], name="health_check_recent")]

    def __str__(self):
        return f"{self.get_outcome_display()} at {self.checked_at:%Y-%m-%d %H:%M}"

    @property
    def ok(self):
        return self.outcome == self.Outcome.OK
