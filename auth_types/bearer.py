from django import forms

from requests.auth import AuthBase

from .base import AuthType, ConfigForm, OpenAPIChoice
from .credentials import CredentialForm, secret_text_field
from .validators import auth_scheme_validator, parameter_name_validator

HEADER_KEY = "Authorization"


class BearerConfigForm(ConfigForm):
    location = forms.ChoiceField(
        label="Parameter Location", choices=[("header", "Header")], initial="header",
        help_text="How the token is passed in the request.",
    )
    parameter_name = forms.CharField(
        label="Parameter Name", max_length=50, initial="Bearer Token",
        validators=[parameter_name_validator],
        help_text="Display name of the field the end user fills in when authorizing a connection.",
    )
    parameter_key = forms.CharField(
        label="Parameter Key", initial=HEADER_KEY, disabled=True, required=False,
        help_text="The header the token is sent in; it cannot be changed.",
    )
    token_prefix = forms.CharField(
        label="Token Prefix", max_length=50, initial="Bearer", required=False, validators=[auth_scheme_validator],
        help_text="Sent before the token: Authorization: <prefix> <token>. Leave empty to send the token alone.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Show the fixed key even when an older stored config holds another one.
        self.initial["parameter_key"] = HEADER_KEY

    def config(self):
        return {**super().config(), "parameter_key": HEADER_KEY}


class BearerCredentialForm(CredentialForm):
    secret_fields = ("token",)

    def add_fields(self, config):
        prefix = config.get("token_prefix") or ""
        self.fields["token"] = secret_text_field(
            config.get("parameter_name") or "Bearer Token",
            help_text=f"Sent in the Authorization header of each request, as “{prefix} <token>”." if prefix
            else "Sent alone in the Authorization header of each request.",
        )

    def clean_token(self):
        token = self.cleaned_data["token"]
        if token and (any(ch.isspace() for ch in token) or not token.isascii() or not token.isprintable()):
            raise forms.ValidationError("A token is one word of printable ASCII characters, without spaces.")
        return token


class BearerAuth(AuthBase):
    def __init__(self, prefix, token):
        self.value = f"{prefix} {token}" if prefix else token

    def __call__(self, request):
        request.headers[HEADER_KEY] = self.value
        return request

    def __repr__(self):
        return "<BearerAuth ••••>"


class BearerToken(AuthType):
    key = "bearer"
    name = "Bearer Token"
    description = "The end user enters a token; it is sent as Authorization: <Token Prefix> <token>."
    config_form = BearerConfigForm
    openapi_http_scheme = "bearer"

    def credential_form(self, config):
        return BearerCredentialForm

    def auth(self, config, secrets, client=None):
        return BearerAuth(config.get("token_prefix", ""), secrets["token"])

    def openapi_choices(self, name, scheme, context):
        kind = self.openapi_http_kind(scheme)
        if not kind:
            return []
        config = {"location": "header", "parameter_name": "Bearer Token", "parameter_key": HEADER_KEY,
                  "token_prefix": "Bearer"}
        token_format = context.clean_note(scheme.get("bearerFormat"), 40)
        summary = "Bearer Token: Authorization: Bearer <token>" + (f" ({token_format})" if token_format else "")
        return [OpenAPIChoice(name, kind, summary, auth_type=self.key, config=config,
                              note=f"Bearer format: {token_format}." if token_format else "")]
