from django.conf import settings
from django.db import models
from django.urls import reverse

from builder.models import Connector
from builder.validators import link_name_validator
from connectors_site.crypto import EncryptedJSONField, is_undecryptable


class ConnectionQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)


class Connection(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Authorization pending"
        CONNECTED = "connected", "Connected"
        FAILING = "failing", "Failing"
        NEEDS_REAUTHORIZATION = "needs_reauthorization", "Needs reauthorization"
        REVOKED = "revoked", "Revoked"

    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="connections")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections")
    name = models.CharField("Connection Name", max_length=100)
    link_name = models.CharField(
        "Connection Link Name", max_length=50, unique=True, validators=[link_name_validator],
        help_text="Names the connection in scripts (invokeurl); fixed once created.",
    )
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PENDING)
    enabled = models.BooleanField(default=True)
    secrets = EncryptedJSONField(default=dict, blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    granted_scopes = models.CharField(max_length=2000, blank=True)

    # Why the provider's tokens stopped working (refresh refused, token rejected): shown with the status.
    token_error = models.CharField(max_length=500, blank=True)
    # When the last refresh failed for a passing reason (5xx, timeout): no new attempt for a back-off.
    token_failed_at = models.DateTimeField(null=True, blank=True)

    last_used_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.CharField(max_length=500, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("connections:detail", args=[self.link_name])

    def record_event(self, action, *, user=None, detail=""):
        """Add an entry to this connection's audit trail (never a secret in `detail`)."""
        return self.events.create(action=action, user=user, detail=detail[:500])

    @property
    def authorized_by_provider(self):
        """True when the credentials come from the provider (OAuth) rather than typed values."""
        from auth_types.base import FORM

        return self.connector.kind.grant_kind(self.connector.kind_config) != FORM

    @property
    def can_refresh(self):
        secrets = {} if self.needs_reconfiguration else self.secrets
        return bool(secrets) and self.connector.kind.can_refresh(self.connector.kind_config, secrets)

    @property
    def needs_reconfiguration(self):
        """True when no configured key can decrypt the stored secrets."""
        return is_undecryptable(self.secrets)


class ConnectionEvent(models.Model):
    """The audit trail of a connection: who authorized, tested, used, changed or revoked it."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CREDENTIALS = "credentials", "Changed values"
        TESTED = "tested", "Tested"
        USED = "used", "Called the API"
        RENAMED = "renamed", "Renamed"
        DISABLED = "disabled", "Disabled"
        ENABLED = "enabled", "Enabled"
        AUTHORIZED = "authorized", "Authorized"
        REFRESHED = "refreshed", "Refreshed the token"
        FAILED = "failed", "Failed"
        REVOKED = "revoked", "Revoked"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"
