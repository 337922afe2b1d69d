"""Personal access tokens: a program acts as its user, within the token's scopes."""

import datetime
import hashlib
import hmac
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from connectors_site.prepared import PreparedLookup

from .scopes import Scope, may_hold

# A recognisable prefix, so that secret scanners (and people) can tell a leaked token for what it is.
PREFIX = "ccpat_"
# ccpat_<lookup id>_<secret>: the id finds the row, the secret is checked against its digest.
LOOKUP_ID_LENGTH = 12
# How often an API call (not a proxied one: each of those is counted) records the token's last use at most.
LAST_USED_GRANULARITY = 60


def digest(secret):
    """Return the stored form of a token's secret part (SHA-256: it is 256 random bits, not a password)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) |
                                                           models.Q(expires_at__gt=now))


class PersonalAccessToken(models.Model):
    """A token for the REST API and the proxy. Only its digest is kept: it is shown once, when created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    lookup_id = models.CharField(max_length=LOOKUP_ID_LENGTH, unique=True, editable=False)
    secret_digest = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Proxy calls made with the token (buffered with the connections' usage: connections/usage.py).
    proxy_calls = models.PositiveBigIntegerField(default=0, editable=False)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "personal access token"

    def __str__(self):
        return f"{self.name} ({self.display_prefix}…)"

    @property
    def display_prefix(self):
        """The part of the token that is safe to show: the prefix and the lookup id."""
        return f"{PREFIX}{self.lookup_id}"

    @classmethod
    def issue(cls, *, user, name, scopes, expires_at):
        """Create a token; return (token, the full token text). The text is not kept anywhere."""
        lookup_id = secrets.token_hex(LOOKUP_ID_LENGTH // 2)
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, scopes=list(scopes), expires_at=expires_at,
                                   lookup_id=lookup_id, secret_digest=digest(secret))
        return token, f"{PREFIX}{lookup_id}_{secret}"

    @property
    def status(self):
        if self.revoked_at:
            return "Revoked"
        if self.is_expired:
            return "Expired"
        return "Active"

    @property
    def is_expired(self):
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self):
        return self.revoked_at is None and not self.is_expired and self.user.is_active

    def allows(self, scope):
        """True when the token holds `scope` and its user still has what the scope grants."""
        return scope in self.scopes and may_hold(self.user, scope)

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def touch(self):
        """Record a use (at most once per LAST_USED_GRANULARITY seconds), off the request path."""
        now = timezone.now()
        if self.last_used_at and (now - self.last_used_at).total_seconds() < LAST_USED_GRANULARITY:
            return
        self._record_use(now, calls=0)

    def count_proxy_call(self):
        """Count a proxied call and record it as the token's last use, off the request path."""
        self._record_use(timezone.now(), calls=1)

    def _record_use(self, now, *, calls):
        # Buffered with the connections' usage and written in its next batch (connections/usage.py), or at
        # once when that buffering is off.
        from connections import usage

        self.last_used_at = now
        usage.record_use(write_uses, self.pk, at=now, uses=calls)


def write_uses(figures):
    """Write buffered uses: {token pk: (proxy calls, last used at)}; one UPDATE per token (a few per batch)."""
    for pk, (calls, at) in figures.items():
        PersonalAccessToken.objects.filter(pk=pk).update(
            proxy_calls=models.F("proxy_calls") + calls,
            last_used_at=models.Case(models.When(last_used_at__gt=at, then=models.F("last_used_at")),
                                     default=models.Value(at)))


# Every API call reads its token (and the token's user) by lookup id: compiled once (connectors_site/prepared.py).
_by_lookup_id = PreparedLookup(
    lambda lookup_id: PersonalAccessToken.objects.select_related("user").filter(lookup_id=lookup_id).order_by()[:1],
    lookup_id=str)
# A proxied call also reads, in the same query, the connection it names if the token's user owns it; not the
# connector's logo, which no call uses (a logo of 60 kB doubled this read's time on PostgreSQL).
_by_lookup_id_with_connection = PreparedLookup(
    lambda lookup_id, link_name: PersonalAccessToken.objects.filter(lookup_id=lookup_id).annotate(
        named_connection=models.FilteredRelation(
            "user__connections", condition=models.Q(user__connections__link_name=link_name)))
    .select_related("user", "named_connection", "named_connection__connector").order_by()[:1],
    leave_out=("named_connection__connector__logo",), lookup_id=str, link_name=str)


def token_from_text(text, *, connection_named=None):
    """Return the token that `text` spells (as sent by a program), usable or not, or None.

    With `connection_named` (a link name), the token's `named_connection` is its user's connection of that
    link name with its connector, read in the same query (one database round trip per proxied call); it is
    not set when the user has none.
    """
    if not text or not text.startswith(PREFIX):
        return None
    lookup_id, _, secret = text[len(PREFIX):].partition("_")
    if len(lookup_id) != LOOKUP_ID_LENGTH or not secret:
        return None
    if connection_named is None:
        found = _by_lookup_id(lookup_id=lookup_id)
    else:
        found = _by_lookup_id_with_connection(lookup_id=lookup_id, link_name=connection_named)
    token = found[0] if found else None
    if token is None or not hmac.compare_digest(token.secret_digest, digest(secret)):
        return None
    return token


class ConnectLink(models.Model):
    """A single-use link that takes the signed-in user who opens it to a connector's Add Connection.

    Made by a program (POST /api/v1/connect-links) for one of its users; the program polls it for
    the result, or learns it by webhook (connect_link.completed, connect_link.expired). Only a digest of
    the secret in its URL is kept. The first signed-in user to open it claims it; it is void 30 minutes
    after it was made, and used up once its opener makes (or reauthorizes) a connection to its connector.
    """

    LIFETIME = datetime.timedelta(minutes=30)

    class Status(models.TextChoices):
        PENDING = "pending", "Not opened yet"
        OPENED = "opened", "Opened; no connection made yet"
        CONNECTED = "connected", "Connection made"
        EXPIRED = "expired", "Expired"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    secret_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(PersonalAccessToken, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    connector = models.ForeignKey("builder.Connector", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    connection = models.ForeignKey("connections.Connection", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # When the result became final (connected, or expired without one) and was announced: once per link.
    settled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Connect link to {self.connector_id} ({self.public_id})"

    @classmethod
    def issue(cls, *, user, token, connector):
        """Create a link; return (link, the secret for its URL, not kept anywhere)."""
        secret = secrets.token_urlsafe(32)
        now = timezone.now()
        link = cls.objects.create(created_by=user, token=token, connector=connector, secret_digest=digest(secret),
                                  created_at=now, expires_at=now + cls.LIFETIME)
        return link, secret

    @classmethod
    def find(cls, secret):
        return cls.objects.select_related("connector").filter(secret_digest=digest(secret or "")).first()

    @property
    def is_expired(self):
        return timezone.now() >= self.expires_at

    def result(self):
        """Return the link's status."""
        if self.connection_id:
            return self.Status.CONNECTED
        if self.is_expired:
            return self.Status.EXPIRED
        return self.Status.OPENED if self.opened_by_id else self.Status.PENDING

    @classmethod
    def settle_connected(cls, connection, now=None):
        """`connection` was made or (re)authorized by its owner: each link that owner opened for its connector
        and that is still open now has it as its result. Return those links (each settled once only)."""
        now = now or timezone.now()
        links = []
        for link in cls.objects.filter(opened_by_id=connection.owner_id, connector_id=connection.connector_id,
                                       settled_at__isnull=True, opened_at__lte=now, expires_at__gt=now):
            if cls.objects.filter(pk=link.pk, settled_at__isnull=True).update(connection=connection, settled_at=now):
                link.connection, link.settled_at = connection, now
                links.append(link)
        return links

    @classmethod
    def settle_expired(cls, now=None, *, limit=1000):
        """Settle the links that expired without a connection; return them (each settled once only)."""
        now = now or timezone.now()
        links = []
        for link in cls.objects.filter(settled_at__isnull=True, connection__isnull=True, expires_at__lte=now)[:limit]:
            if cls.objects.filter(pk=link.pk, settled_at__isnull=True).update(settled_at=now):
                link.settled_at = now
                links.append(link)
        return links


class RateWindow(models.Model):
    """Calls a token made in one rate-limit window (the database's limiter, without Redis)."""

    token = models.ForeignKey(PersonalAccessToken, on_delete=models.CASCADE, related_name="+")
    window_start = models.BigIntegerField()  # the window's start, in seconds since the epoch
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "window_start"], name="one_rate_window_per_token")]
