import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

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
    # The values of the connector's connection variables ({shop}): not secret, shown on its page.
    variables = models.JSONField(default=dict, blank=True)
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
    def variable_rows(self):
        """Return (label, value) of the connector's connection variables, as this connection holds them."""
        values = self.variables or {}
        return [(definition.get("label") or definition.get("name"), values.get(definition.get("name"), ""))
                for definition in self.connector.variables or [] if isinstance(definition, dict)]

    @property
    def kind_config(self):
        """Return the connector's config for the auth type with this connection's variables filled in.

        Raise ConnectionUnavailable when a value is missing or not usable.
        """
        from auth_types.variables import VariableProblem

        from .errors import ConnectionUnavailable

        try:
            return self.connector.kind_config_with(self.variables)
        except VariableProblem as error:
            raise ConnectionUnavailable(f"{error} Edit the connection's values.") from None

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
    # A default rather than auto_now_add: usage written in batches keeps the time of each call.
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16, choices=Action.choices)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        # The connection's page lists its newest events: read from the index, not sorted from all of them
        # (a connection called all day has thousands).
        indexes = [models.Index(fields=["connection", "-at", "-id"], name="connection_event_recent")]

    def __str__(self):
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class ConnectionUsageHour(models.Model):
    """Calls through a connection in one hour, for activity older than the retention (connections.usage)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="usage_hours")
    hour = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-hour"]
        constraints = [models.UniqueConstraint(fields=["connection", "hour"], name="one_usage_row_per_hour")]

    def __str__(self):
        return f"{self.calls} calls at {self.hour:%Y-%m-%d %H:00}"


class ConsoleRequest(models.Model):
    """A request sent from the request console, kept to send again (encrypted: headers may hold values)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="console_requests")
    sent_at = models.DateTimeField()
    request = EncryptedJSONField(default=dict)  # the console form's fields, as typed

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"Console request at {self.sent_at:%Y-%m-%d %H:%M}"


class PendingAuthorizationQuerySet(models.QuerySet):
    def expired(self):
        return self.filter(created_at__lte=timezone.now() - PendingAuthorization.LIFETIME)


class PendingAuthorization(models.Model):
    """A redirect flow begun and not finished yet (OAuth2 authorization code, OAuth1 three-legged).

    The flow's secrets (the OAuth1 request-token secret, the PKCE code_verifier) are encrypted
    like every other secret. A row is found by a digest of the flow's state, belongs to the user
    and the browser session that began it, is deleted when used and is void after ten minutes.
    """

    LIFETIME = datetime.timedelta(minutes=10)

    state_digest = models.CharField(max_length=64, unique=True)
    session_digest = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="+")
    # Reauthorizing this connection (none: a new connection named `name` is made).
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, blank=True)
    variables = models.JSONField(default=dict, blank=True)  # the values given at Add Connection
    flow = EncryptedJSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = PendingAuthorizationQuerySet.as_manager()

    def __str__(self):
        return f"Authorization of {self.connector_id} begun at {self.created_at:%Y-%m-%d %H:%M}"
