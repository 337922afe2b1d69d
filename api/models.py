"""Personal access tokens: a program acts as its user, within the token's scopes."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from .scopes import Scope, may_hold

# A recognisable prefix, so that secret scanners (and people) can tell a leaked token for what it is.
PREFIX = "ccpat_"
# ccpat_<lookup id>_<secret>: the id finds the row, the secret is checked against its digest.
LOOKUP_ID_LENGTH = 12
# How often last_used_at is written back at most (a busy token must not write on every call).
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
    # Proxy calls made with the token (counted as they are made, by a targeted UPDATE).
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
        """Record a use (at most once per LAST_USED_GRANULARITY seconds)."""
        now = timezone.now()
        if self.last_used_at and (now - self.last_used_at).total_seconds() < LAST_USED_GRANULARITY:
            return
        PersonalAccessToken.objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    def count_proxy_call(self):
        PersonalAccessToken.objects.filter(pk=self.pk).update(proxy_calls=models.F("proxy_calls") + 1)


def token_from_text(text):
    """Return the token that `text` spells (as sent by a program), usable or not, or None."""
    if not text or not text.startswith(PREFIX):
        return None
    lookup_id, _, secret = text[len(PREFIX):].partition("_")
    if len(lookup_id) != LOOKUP_ID_LENGTH or not secret:
        return None
    token = PersonalAccessToken.objects.select_related("user").filter(lookup_id=lookup_id).first()
    if token is None or not hmac.compare_digest(token.secret_digest, digest(secret)):
        return None
    return token
