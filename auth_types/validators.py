"""Validators and fields shared by the auth types' forms (the help page's rules)."""

import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator

PARAMETER_NAME_SPECIALS = r"* _ - @ / ! : | & ~ \ +"

# A display name: starts with a letter or digit; then letters, digits, spaces and the specials.
parameter_name_validator = RegexValidator(
    r"^[^\W_][\w *\-@/!:|&~\\+]*\Z",
    f"Use letters, digits, spaces and only these special characters: {PARAMETER_NAME_SPECIALS}. "
    "Start with a letter or a digit.",
    code="invalid_parameter_name",
)



def printable_validator(value):
    """Refuse control characters in text shown to people (help texts)."""
    if not value.isprintable():
        raise ValidationError("Use printable characters only (no line breaks or control characters).",
                              code="not_printable")


HTTP_TOKEN_SPECIALS = "! # $ % & ' * + - . ^ _ ` | ~"
_HTTP_TOKEN = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+\Z"  # RFC 9110 token: one or more tchar
# A validator's message is %-formatted with the refused value: its own "%" must be doubled.
_TOKEN_SPECIALS_IN_MESSAGE = HTTP_TOKEN_SPECIALS.replace("%", "%%")

# A key sent on the wire (header name, query or form field): an HTTP token.
parameter_key_validator = RegexValidator(
    _HTTP_TOKEN,
    f"Use letters, digits and only these special characters, no spaces: {_TOKEN_SPECIALS_IN_MESSAGE}. "
    "The key is sent as a header, query or form field name.",
    code="invalid_parameter_key",
)

# A word put before a token in the Authorization header (an auth scheme such as Bearer). It is
# sent as a header value, so anything beyond ASCII would fail only later, when a request is made.
auth_scheme_validator = RegexValidator(
    _HTTP_TOKEN,
    f"Use one word of letters, digits and only these special characters: {_TOKEN_SPECIALS_IN_MESSAGE}.",
    code="invalid_auth_scheme",
)

_url_syntax = URLValidator(schemes=["http", "https"], message="Enter an absolute URL with a scheme and a host, "
                           "for example https://api.example.com/oauth/token.")


def validate_service_url(value):
    """Refuse anything but an absolute http(s) URL; plain http only when the setting allows it.

    {placeholders} (connection variables, an API key in the path) are checked as sample values.
    """
    from .variables import sample

    value = sample(value) if "{" in value else value
    _url_syntax(value)
    parts = urlsplit(value)
    if parts.username or parts.password:
        raise ValidationError("Do not put credentials in the URL.", code="credentials_in_url")
    # An empty fragment ("…/token#") has no parts.fragment, but the "#" is as meaningless.
    if "#" in value:
        raise ValidationError("Remove the #fragment: it is never sent to the server.", code="fragment")
    try:
        port = parts.port  # URLValidator lets any five digits through; urllib refuses above 65535
    except ValueError:
        port = 0
    if port == 0:
        raise ValidationError("Enter a port between 1 and 65535.", code="invalid_port")
    if parts.scheme != "https" and not settings.CONNECTORS_ALLOW_INSECURE_HTTP:
        raise ValidationError("Use an https:// URL.", code="insecure_url")


class ServiceURLField(forms.CharField):
    default_validators = [validate_service_url]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("widget", forms.URLInput(attrs={"placeholder": "https://"}))
        super().__init__(**kwargs)


def is_https(url):
    return bool(url) and url.lower().startswith("https://")


def has_whitespace(value):
    return bool(re.search(r"\s", value))
