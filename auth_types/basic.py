import base64

from django import forms
from requests.auth import HTTPBasicAuth

from .base import AuthType, ConfigForm, OpenAPIChoice
from .credentials import CredentialForm, secret_text_field
from .validators import parameter_key_validator, parameter_name_validator


class BasicConfigForm(ConfigForm):
    username_name = forms.CharField(
        label="Username Parameter Name", max_length=50, initial="Username",
        validators=[parameter_name_validator],
        help_text="Display name of the field the end user fills in when authorizing a connection.",
    )
    username_key = forms.CharField(
        label="Username Parameter Key", max_length=100, initial="username",
        validators=[parameter_key_validator],
        help_text="Key of the username as the service's API documentation names it.",
    )
    password_name = forms.CharField(
        label="Password Parameter Name", max_length=50, initial="Password",
        validators=[parameter_name_validator],
    )
    password_key = forms.CharField(
        label="Password Parameter Key", max_length=100, initial="password",
        validators=[parameter_key_validator],
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("username_key") and cleaned.get("username_key") == cleaned.get("password_key"):
            self.add_error("password_key", "The password key must differ from the username key.")
        return cleaned


class BasicCredentialForm(CredentialForm):
    secret_fields = ("password",)

    def add_fields(self, config):
        sent = "Sent with the {} in the Authorization header of each request (Basic, base64-encoded)."
        self.fields["username"] = forms.CharField(label=config.get("username_name") or "Username", max_length=500,
                                                  help_text=sent.format("password"))
        self.fields["password"] = secret_text_field(config.get("password_name") or "Password", strip=False,
                                                    help_text=sent.format("username"))

    def clean_username(self):
        username = self.cleaned_data["username"]
        if ":" in username:
            raise forms.ValidationError("A username cannot contain a colon (:) in Basic authentication.")
        return username


class Basic(AuthType):
    key = "basic"
    name = "Basic"
    description = (
        "The end user enters a username and a password; they are sent base64-encoded in the "
        "header Authorization: Basic <value>."
    )
    config_form = BasicConfigForm
    openapi_http_scheme = "basic"

    def credential_form(self, config):
        return BasicCredentialForm

    def auth(self, config, secrets, client=None):
        # UTF-8, as RFC 7617 recommends (requests would use latin-1 for str).
        return HTTPBasicAuth(secrets["username"].encode(), secrets["password"].encode())

    def secret_values(self, config, secrets, client=None):
        pair = f"{secrets.get('username', '')}:{secrets.get('password', '')}"
        return super().secret_values(config, secrets) + [base64.b64encode(pair.encode()).decode()]

    def openapi_choices(self, name, scheme, context):
        # Swagger 2 names Basic as a type of its own; OpenAPI 3 as an http scheme.
        kind = "basic" if scheme.get("type") == "basic" else self.openapi_http_kind(scheme)
        if not kind:
            return []
        config = {"username_name": "Username", "username_key": "username",
                  "password_name": "Password", "password_key": "password"}
        return [OpenAPIChoice(name, kind, "Basic: the end user enters a username and a password",
                              auth_type=self.key, config=config)]
