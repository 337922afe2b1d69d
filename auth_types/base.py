"""The auth-type contract: each type is one small class; this module holds what they share.

A type works on plain data (a dict of non-secret config and a dict of secrets), never on
models, so it can be tested without the database. The builder stores what `ConfigForm`
returns; the connections app stores what the credential flows return.
"""

import dataclasses
import typing

from .forms import SECRET_PLACEHOLDER, ConfigForm, protect_secret_fields  # noqa: F401 (the contract's names)
from .schema import form_schema


class AuthError(ValueError):
    """The credentials cannot be applied or obtained; the message is safe to show."""


class AuthorizationDenied(AuthError):
    """The user or the provider refused the authorization (error=access_denied, denied=...)."""


class GrantInvalid(AuthError):
    """The provider no longer accepts the grant (invalid_grant, 400/401 from the token endpoint):
    the connection must be reauthorized; make no more token calls with it."""


class ProviderUnavailable(AuthError):
    """The provider could not answer usefully now (5xx, 429, timeout, garbage, a redirect):
    leave the connection's status as it is; the call may be retried."""


FORM, REDIRECT, DIRECT = "form", "redirect", "direct"

# A key the OpenAPI importer adds to an openIdConnect scheme (and strips from every scheme of a
# document): the provider's discovery document it fetched from openIdConnectUrl, for the type that
# reads it (OAuth2: auth_types.oauth2_openapi).
OPENAPI_DISCOVERY = "x-discovery"


class OpenAPISchemeRefused(ValueError):
    """An OpenAPI security scheme cannot be imported; ``str()`` is the reason, safe to show."""


@dataclasses.dataclass
class OpenAPIChoice:
    """One way to import an OpenAPI security scheme as an auth type, or (``reason`` set) why not."""

    name: str       # the scheme's key, with the flow in brackets when the scheme offers several
    kind: str       # what the document declares: "apiKey in header", "http bearer", "oauth2 implicit"
    summary: str = ""
    reason: str = ""
    auth_type: str = ""
    config: dict = dataclasses.field(default_factory=dict)
    scopes: list = dataclasses.field(default_factory=list)  # [{"name", "value"}]
    note: str = ""  # appended to the connector's description
    warnings: list = dataclasses.field(default_factory=list)  # what the import leaves out or guesses, and why


class OpenAPIContext(typing.Protocol):
    """What a type needs from the OpenAPI importer (builder.openapi implements it)."""

    max_scopes: int  # the most scopes one choice may carry

    def resolve_url(self, value, what):
        """Return value as an absolute URL; raise OpenAPISchemeRefused naming `what` when it is none."""

    def clean_name(self, text, limit=50):
        """Return text fit for a parameter's display name, cut to limit (None: not cut)."""

    def clean_scope_name(self, text):
        """Return a scope's description as its display name."""

    def clean_note(self, text, limit):
        """Return text fit for the connector's description, at most limit characters."""


class AuthType:
    """One authentication type. Subclasses state only what is particular to them.

    Every hook the builder and the connections app call is defined here, with a default or
    raising NotImplementedError; the registry refuses a type that lacks a hook its grant kinds
    need (auth_types.checks), and a system check that one of its templates is missing.

    Stated by every type:
    key            stable identifier stored on the connector (never renamed)
    name           the label the help page uses
    description    one sentence for the Security section
    config_form    the Security section's form (a ConfigForm subclass)
    config_template  template rendering that form inside the Security page
    grant_kinds    every value grant_kind() may return (see below)
    uses_scopes    whether the OAuth Scopes section applies
    uses_callback  whether the provider redirects back (the page shows the callback URL)
    admin_completes  config fields an installation fills in itself (its own OAuth client ID):
                   a built-in or an imported document may leave them empty, as it leaves secrets
    config_schema()  the JSON Schema of its config in connector documents (generated from
                   config_form; the document schema is assembled from every type's)
    installation_text  the words for what an installation enters itself (pages say it)

    The connection side, on plain dicts (the connections app decrypts and stores). `client`
    is the connector's decrypted secrets (client or consumer secret), `credentials` the
    connection's (typed values, or tokens):
    grant_kind(config)       FORM (the user fills credential_form), REDIRECT (begin → provider
                             → complete) or DIRECT (fetch_token, no user interaction)
    credential_form(config)  the CredentialForm class (FORM), else None
    auth(config, credentials, client=)  a requests AuthBase applying the credentials; it may
                             answer a 401 challenge once (connectors_site.outbound)
    secret_values(config, credentials, client=)  every string never to be shown (incl. derived forms)
    sensitive_names(config)  header and query names whose values are credentials

    REDIRECT and DIRECT types also implement (all HTTP through connectors_site.outbound.send,
    token/refresh/revoke calls with allow_redirects=False):
    begin(config, client, *, redirect_uri, scopes) -> (authorization_url, flow)      (REDIRECT)
        flow is a JSON-able dict the caller keeps in the user's session (never in a page, a
        cookie or a URL); flow["state"] is the value the callback must carry back.
    callback_state(params)   the value in the callback's query to compare with flow["state"]
    callback_denial(params)  the message when the callback reports a denial without a state the
                             flow can be found by (some OAuth1 providers), else None
    complete(config, client, *, flow, params, redirect_uri) -> credentials          (REDIRECT)
    fetch_token(config, client, *, scopes) -> credentials                           (DIRECT)
    can_refresh(config, credentials) -> bool
    refresh(config, client, credentials) -> credentials   (when can_refresh; keeps a refresh
                             token the provider did not replace)
    token_identity(credentials)  what tells one issued token from the next
    expires_at(credentials) -> aware datetime or None
    granted_scopes(credentials) -> str
    revoke(config, client, credentials) -> False when there is nothing to revoke
    Failures raise AuthorizationDenied, GrantInvalid or ProviderUnavailable.

    The OpenAPI importer asks every type about each security scheme of a document:
    openapi_choices(name, scheme, context) -> [OpenAPIChoice]
        [] when the scheme (a dict, $refs resolved) is not one of this type's; else one
        choice per way to import it, refused ones with a reason. Raise OpenAPISchemeRefused
        when the whole scheme is this type's but cannot be imported. `context` is an
        OpenAPIContext; the importer validates each config with config_form.
    openapi_http_scheme      the HTTP authentication scheme ("basic") this type imports, or ""
    """

    key = ""
    name = ""
    description = ""
    config_form = ConfigForm
    config_template = "auth_types/config_form.html"
    grant_kinds = (FORM,)
    admin_completes = ()
    uses_scopes = False
    uses_callback = False
    openapi_http_scheme = ""

    # --- what the end user gives --------------------------------------------------------

    def grant_kind(self, config):
        return FORM

    def credential_form(self, config):
        """Return the CredentialForm class the end user fills (FORM); None for the other kinds."""
        return None

    def auth(self, config, credentials, client=None):
        raise NotImplementedError(f"{type(self).__name__} must define auth().")

    def secret_values(self, config, credentials, client=None):
        form_class = self.credential_form(config)
        names = form_class.secret_names(config) if form_class else ()
        return [credentials[name] for name in names if credentials.get(name)]

    def sensitive_names(self, config):
        return ()

    # --- the provider's flows (REDIRECT, DIRECT) ----------------------------------------

    def begin(self, config, client, *, redirect_uri, scopes):
        raise NotImplementedError(f"{type(self).__name__} must define begin() for its redirect flow.")

    def callback_state(self, params):
        raise NotImplementedError(f"{type(self).__name__} must define callback_state() for its redirect flow.")

    def callback_denial(self, params):
        """Return the message for a callback that reports a denial but no state to find the flow by, or None."""
        return None

    def complete(self, config, client, *, flow, params, redirect_uri):
        raise NotImplementedError(f"{type(self).__name__} must define complete() for its redirect flow.")

    def fetch_token(self, config, client, *, scopes):
        raise NotImplementedError(f"{type(self).__name__} must define fetch_token() for its direct grant.")

    # --- tokens -------------------------------------------------------------------------

    def can_refresh(self, config, credentials):
        return False

    def refresh(self, config, client, credentials):
        raise NotImplementedError(f"{type(self).__name__} must define refresh() when it can refresh.")

    def token_identity(self, credentials):
        """Return what tells one issued token from the next (a refresh replaces it), or None."""
        return None

    def revoke(self, config, client, credentials):
        """Revoke the grant at the provider; return False when there is nothing to revoke there."""
        return False

    def expires_at(self, credentials):
        return None

    def granted_scopes(self, credentials):
        return ""

    # --- OpenAPI import -----------------------------------------------------------------

    def openapi_choices(self, name, scheme, context):
        return []

    def openapi_http_kind(self, scheme):
        """Return "http <scheme>" when scheme is an OpenAPI http scheme this type imports, else ""."""
        wanted, given = self.openapi_http_scheme, scheme.get("scheme")
        return f"http {given}" if wanted and scheme.get("type") == "http" and str(given).lower() == wanted else ""

    # --- the stored configuration -------------------------------------------------------

    @property
    def installation_fields(self):
        """Return the labels of what an installation enters itself in Security (admin_completes, secrets)."""
        fields = self.config_form.base_fields
        return [fields[name].label for name in (*self.admin_completes, *self.config_form.secret_fields)]

    @property
    def installation_text(self):
        """Return installation_fields as words ("Client ID and Client Secret"); "" when there are none."""
        labels = self.installation_fields
        return " and ".join(filter(None, [", ".join(labels[:-1]), *labels[-1:]]))

    def config_schema(self):
        """Return the JSON Schema of this type's config in a connector document (never a secret).

        Generated from config_form; a type whose form holds more than fields (rows) says it here.
        """
        return form_schema(self.config_form, may_be_missing=self.admin_completes)

    def url_fields(self):
        """Return the names of the config fields that hold URLs (they may hold connection variables)."""
        from .validators import ServiceURLField

        return [name for name, field in self.config_form.base_fields.items() if isinstance(field, ServiceURLField)]

    def url_placeholders(self, config):
        """Return the {placeholders} this type fills in request URLs itself (API Key's key in the path)."""
        return ()

    def with_variables(self, config, fill):
        """Return config with fill(url) applied to each URL field (a connection's variables filled in)."""
        return {**config, **{name: fill(config[name]) for name in self.url_fields() if config.get(name)}}

    def templates(self):
        """Return the names of the templates this type renders (checked at start-up)."""
        return [self.config_template]

    def problems(self, config, secrets):
        """Return the reasons the stored configuration is not usable, as readable strings."""
        form = self.config_form.from_stored(config or {}, secrets or {})
        return [] if form.is_valid() else form.error_list()

    def summary(self, config, secrets):
        """Return (label, value) pairs describing the configuration, secrets masked."""
        form = self.config_form(stored_config=config, stored_secrets=secrets)
        rows = []
        for name, field in form.fields.items():
            if not form.applies(name, config or {}):
                continue
            if name in form.secret_fields:
                rows.append((field.label, mask(secrets.get(name) if secrets else "")))
            elif name in (config or {}):
                rows.append((field.label, display_value(field, config[name])))
        return rows


def mask(value):
    """Return a masked form of a secret: whether it is set, never any of its characters."""
    return "•••••••• (set)" if value else "(not set)"


def display_value(field, value):
    if hasattr(field, "display"):
        return field.display(value)
    choices = dict(getattr(field, "choices", ()) or ())
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return choices.get(value, value)
