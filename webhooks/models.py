"""Webhook endpoints staff register, and every delivery of an event to one with each attempt."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from connectors_site.crypto import EncryptedJSONField

EVENT_TYPES = [
    ("connection.created", "A connection was created"),
    ("connection.authorized", "A connection was authorized (or reauthorized)"),
    ("connection.deleted", "A connection was deleted"),
    ("connection.needs_reauthorization", "A connection needs reauthorization"),
    ("connection.refresh_failed", "A token refresh failed"),
    ("connection.health_changed", "A connection's health changed"),
    ("connector.ready", "A connector was marked as Ready"),
    ("connect_link.completed", "A connect link's user made (or reauthorized) a connection"),
    ("connect_link.expired", "A connect link expired without a connection"),
]
TEST_EVENT = "webhook.test"


class WebhookEndpoint(models.Model):
    url = models.URLField("URL", max_length=2000, help_text="Where events are POSTed (https).")
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text="The events sent to this endpoint.")
    # The signing secret ("whsec_" + base64), shown once when the endpoint is made.
    secret = EncryptedJSONField(default=dict, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url", "pk"]

    def __str__(self):
        return self.description or self.url

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("webhooks:detail", args=[self.pk])

    def signing_secret(self):
        return self.secret.get("signing_secret", "") if isinstance(self.secret, dict) else ""


class WebhookDelivery(models.Model):
    """One event for one endpoint: its payload as first sent (every attempt sends the same bytes)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=64)
    payload = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    retries = models.PositiveSmallIntegerField(default=0)  # retries scheduled in the current round
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event_type} to {self.endpoint} ({self.get_status_display()})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    KEEP = datetime.timedelta(days=30)

    class Meta:
        ordering = ["attempted_at", "pk"]

    def __str__(self):
        return f"Attempt at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"
