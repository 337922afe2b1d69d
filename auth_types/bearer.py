from django import forms

from .base import AuthType, ConfigForm
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


class BearerToken(AuthType):
    key = "bearer"
    name = "Bearer Token"
    description = "The end user enters a token; it is sent as Authorization: <Token Prefix> <token>."
    config_form = BearerConfigForm
