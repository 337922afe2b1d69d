from django.conf import settings
from django.db import models

from connections.models import Connection


class NotificationSettings(models.Model):
    """What a user wants to be told by email (everything, unless they turn it off)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_settings")
    connection_problems = models.BooleanField(
        "Email me when one of my connections needs reauthorization or stays degraded", default=True)
    daily_digest = models.BooleanField(
        "Email me a daily digest of failing connections of the connectors I build", default=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Notification settings of {self.user}"


class ProblemNotice(models.Model):
    """A problem of a connection its owner was told about; deleted when the problem is over, so that
    the owner is told once per change (and again if it comes back)."""

    class Problem(models.TextChoices):
        NEEDS_REAUTHORIZATION = "needs_reauthorization", "Needs reauthorization"
        DEGRADED = "degraded", "Degraded"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    problem = models.CharField(max_length=24, choices=Problem.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "problem"], name="one_notice_per_problem")]

    def __str__(self):
        return f"{self.get_problem_display()}: {self.connection} ({self.sent_at:%Y-%m-%d %H:%M})"
