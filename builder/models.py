import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.urls import reverse

from auth_types import registry, variables
from connectors_site.crypto import EncryptedJSONField, is_undecryptable

from auth_types.validators import validate_service_url

from .api_origins import OtherHosts, validate_origins
from .expiry import ExpiryStatuses, body_matches, statuses, validate_field_path
from .validators import connector_name_validator, description_validator, link_name_validator


class Stage(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"


class ScopeDelimiter(models.TextChoices):
    COMMA = ",", "Comma"
    SPACE = " ", "Space"
    PLUS = "+", "Plus"


class TestMethod(models.TextChoices):
    GET = "GET", "GET"
    POST = "POST", "POST"
    HEAD = "HEAD", "HEAD"


# How long the builder's stepper may show a check of the stored configuration made earlier (same version).
RECENT_CHECK_SECONDS = 60

SECRETS_LOST = (
    "The stored secrets could not be decrypted with the configured encryption keys; enter them again and save."
)


class ConnectorQuerySet(models.QuerySet):
    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(models.Q(name__icontains=text) | models.Q(link_name__icontains=text))

    def visible_to(self, user):
        """Return the connectors `user` may see: built-ins and Ready ones; builders see Drafts too."""
        if user.has_perm("builder.build_connector"):
            return self
        # A Draft custom connector is the builders' work in progress.
        return self.filter(models.Q(builtin_key__gt="") | models.Q(stage=Stage.READY))

    def for_listing(self):
        """Return the connectors without their logo bytes (a list shows the logo by URL)."""
        return self.defer("logo", "secrets")


class Connector(models.Model):
    name = models.CharField("Connector Name", max_length=50, validators=[connector_name_validator])
    link_name = models.CharField(
        "Connector Link Name", max_length=50, unique=True, validators=[link_name_validator]
    )
    description = models.CharField(max_length=255, blank=True, validators=[description_validator])
    logo = models.BinaryField(null=True, blank=True, editable=False)
    logo_hash = models.CharField(max_length=64, blank=True, editable=False)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.DRAFT)

    auth_type = models.CharField("Authentication Type", max_length=32, blank=True, choices=registry.choices)
    config = models.JSONField(default=dict, blank=True)
    secrets = EncryptedJSONField(default=dict, blank=True, editable=False)
    scope_delimiter = models.CharField(max_length=1, choices=ScopeDelimiter.choices, default=ScopeDelimiter.COMMA)
    test_method = models.CharField(max_length=8, choices=TestMethod.choices, default=TestMethod.GET)
    test_url = models.CharField("Test request URL", max_length=2000, blank=True)

    # Where the API lives (builder.api_origins): credentials go only to these origins.
    base_url = models.CharField("Base URL", max_length=2000, blank=True, validators=[validate_service_url])
    api_origins = models.JSONField("Other API origins", default=list, blank=True, validators=[validate_origins])
    other_hosts = models.CharField("Requests to other hosts", max_length=24, choices=OtherHosts.choices,
                                   default=OtherHosts.REFUSE)
    # Connection variables (auth_types.variables): {placeholders} in the URLs, filled per connection.
    variables = models.JSONField("Connection variables", default=list, blank=True,
                                 validators=[variables.clean_definitions])

    # Expiry signals (builder.expiry): the answers that mean the token expired or was revoked.
    expiry_statuses = models.CharField("Expiry status codes", max_length=16, blank=True,
                                       choices=ExpiryStatuses.choices, default=ExpiryStatuses.UNAUTHORIZED)
    expiry_body_field = models.CharField("Expiry body field", max_length=200, blank=True,
                                         validators=[validate_field_path])
    expiry_body_value = models.CharField("Expiry body value", max_length=200, blank=True)

    # Built-in catalog connectors: the catalog file's key (empty for custom connectors), its
    # category and the provider's documentation. Editing a built-in in the builder clears the
    # key: the edited copy is a custom connector of its own.
    builtin_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    category = models.CharField(max_length=64, blank=True)
    documentation_url = models.URLField(max_length=500, blank=True)

    # Names the connector in its OAuth callback URL; stable when the link name changes.
    callback_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConnectorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        permissions = [("build_connector", "Can build custom connectors")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("builder:general", args=[self.pk])

    def callback_path(self):
        """Return the path of this connector's OAuth callback (register its absolute URL with the provider)."""
        return reverse("connections:oauth_callback", args=[self.callback_id])

    @property
    def kind(self):
        """Return the auth type object, or None while Security is not chosen."""
        try:
            return registry.get(self.auth_type) if self.auth_type else None
        except registry.UnknownAuthType:
            return None

    @property
    def kind_config(self):
        """Return the config the auth type works on: the stored settings and the scope delimiter (and the
        token response fields that fill connection variables)."""
        config = {**self.config, "scope_delimiter": self.scope_delimiter}
        token_fields = [definition["token_field"] for definition in variables.from_token(self.variables)]
        return {**config, "token_fields": token_fields} if token_fields else config

    def kind_config_with(self, values):
        """Return kind_config with a connection's variable values filled into its URLs.

        Raise auth_types.variables.VariableProblem when a value is missing or not usable.
        """
        config = self.kind_config
        if not self.variables:
            return config
        # A URL using a variable the token response fills is not usable before the first token (Salesforce's
        # revoke URL on {instance_url}): it is left empty until then.
        pending = {d["name"] for d in variables.from_token(self.variables) if not (values or {}).get(d["name"])}

        def fill(url):
            return "" if pending & set(variables.placeholders(url)) else variables.fill(url, self.variables, values)

        return self.kind.with_variables(config, fill)

    def filled(self, url, values):
        """Return url (the Base URL, the test request) with a connection's variable values filled in."""
        return variables.fill(url, self.variables, values)

    @property
    def is_ready(self):
        return self.stage == Stage.READY

    @property
    def uses_scopes(self):
        return bool(self.kind and self.kind.uses_scopes)

    @property
    def secrets_lost(self):
        """Whether the stored secrets could not be decrypted with the configured keys (enter them again)."""
        return bool(self.kind and self.kind.config_form.secret_fields and is_undecryptable(self.secrets))

    def answer_means_expired(self, response):
        """Return whether the API's answer is this connector's expiry signal (refresh, or reauthorize)."""
        if response.status_code in statuses(self.expiry_statuses):
            return True
        if getattr(response, "body_pending", False):
            return False  # a streamed body not read yet (the proxy's): only its status is looked at
        return body_matches(response.content, self.expiry_body_field, self.expiry_body_value)

    def set_logo(self, png_bytes):
        self.logo = png_bytes
        self.logo_hash = hashlib.sha256(png_bytes).hexdigest() if png_bytes else ""

    def security_problems(self, *, recent=False):
        """Return why Security is not complete and valid; empty when it is.

        With `recent`, the stored configuration's check (its type's form validating it, about a
        millisecond) may be one made less than a minute ago for this very version of the connector: the
        builder's stepper, shown on every builder page, asks so; the Ready gate checks afresh.
        """
        if not self.kind:
            return ["Security: choose an Authentication Type and save it."]
        config_problems = (self._recent_config_problems() if recent and self.pk and self.updated_at
                           else self.config_problems())
        problems = [f"Security: {problem}" for problem in config_problems]
        problems += [f"Security: {problem}" for problem in self.placeholder_problems()]
        if self.secrets_lost:
            problems.insert(0, f"Security: {SECRETS_LOST}")
        return problems

    def config_problems(self):
        """Return why the stored configuration (with its secrets) is not usable by its type."""
        return self.kind.problems(self.config, self.secrets)

    def _recent_config_problems(self):
        # Keyed on the row's version (any save changes updated_at); a minute at most, for checks that
        # depend on the time (a client certificate that expires).
        key = f"builder:config-problems:{self.pk}:{self.updated_at.isoformat()}:{self.auth_type}:{self.secrets_lost}"
        problems = cache.get(key)
        if problems is None:
            problems = self.config_problems()
            cache.set(key, problems, RECENT_CHECK_SECONDS)
        return problems

    def placeholder_problems(self):
        """Return why a {placeholder} in the connector's URLs would never be filled."""
        known = {definition.get("name") for definition in self.variables or [] if isinstance(definition, dict)}
        known |= set(self.kind.url_placeholders(self.config))
        urls = [(self.kind.config_form.base_fields[name].label, self.config.get(name) or "")
                for name in self.kind.url_fields()]
        urls += [("Base URL", self.base_url), ("Test request URL", self.test_url)]
        problems = [f"{label}: {{{name}}} is not a connection variable (define it under API)."
                    for label, url in urls for name in dict.fromkeys(variables.placeholders(url)) if name not in known]
        if self.pk and self.uses_scopes:  # scope values use only the connection variables
            problems += [f"Scope {scope.name}: {problem}" for scope in self.scopes.filter(value__contains="{")
                         if (problem := variables.scope_placeholder_problem(scope.value, self.variables))]
        return problems

    def general_problems(self):
        problems = []
        for field in ("name", "link_name", "description"):
            try:
                self._meta.get_field(field).clean(getattr(self, field), self)
            except Exception as error:  # ValidationError; reported, not raised
                problems.append(f"General: {self._meta.get_field(field).verbose_name.capitalize()}: "
                                f"{' '.join(getattr(error, 'messages', [str(error)]))}")
        return problems

    def ready_problems(self):
        return self.general_problems() + self.security_problems()


class Scope(models.Model):
    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="scopes")
    name = models.CharField("Scope Name", max_length=100)
    value = models.CharField("Scope Value", max_length=255)

    class Meta:
        ordering = ["pk"]  # the order they were entered in (and exported in)
        constraints = [
            models.UniqueConstraint(fields=["connector", "value"], name="unique_scope_value_per_connector")
        ]

    def __str__(self):
        return f"{self.name} ({self.value})"


class ConnectorChange(models.Model):
    """The audit trail: who changed which fields of a connector, and when. Never values."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        GENERAL = "general", "Changed General"
        SECURITY = "security", "Changed Security"
        SCOPES = "scopes", "Changed OAuth Scopes"
        READY = "ready", "Marked as Ready"

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    fields = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} by {self.user or 'unknown'} at {self.at:%Y-%m-%d %H:%M}"
