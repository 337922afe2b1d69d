from django.db import models

from builder.models import Connector
from connections.models import Connection


class IdentityField(models.Model):
    """Where a connector's test request answer names the provider account (when tokens carry no OpenID sub)."""

    connector = models.OneToOneField(Connector, on_delete=models.CASCADE, related_name="identity_field")
    path = models.CharField(
        max_length=200, help_text="A JSON field of the test request's answer, dotted for nested ones: "
                                  "id, user.email, data.0.login.")

    def __str__(self):
        return f"{self.connector}: {self.path}"


class AccountIdentity(models.Model):
    """The provider account a connection's credentials belong to, as last authorized."""

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="account_identity")
    source = models.CharField(max_length=220)  # "sub", or "field:<path>"
    value = models.CharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "account identities"

    def __str__(self):
        return f"{self.connection}: {self.value}"
