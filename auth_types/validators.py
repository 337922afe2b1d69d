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

# A key sent on the wire (header name, query or form field): an HTTP token (RFC 9110 tchar).
parameter_key_validator = RegexValidator(
    r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+\Z",
    "Use letters, digits and - _ . ~ (no spaces): the key is sent as a header, query or form field name.",
    code="invalid_parameter_key",
)

_url_syntax = URLValidator(schemes=["http", "https"], message="Enter an absolute URL with a scheme and a host, "
                           "for example https://api.example.com/oauth/token.")


def validate_service_url(value):
    """Refuse anything but an absolute http(s) URL; plain http only when the setting allows it."""
    _url_syntax(value)
    parts = urlsplit(value)
    if parts.username or parts.password:
        raise ValidationError("Do not put credentials in the URL.", code="credentials_in_url")
    if parts.fragment:
        raise ValidationError("Remove the #fragment: it is never sent to the server.", code="fragment")
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
