"""Helpers shared by the configuration form tests: valid data of every type, binding, the checks.

Forms are bound as the builder binds them: prefixed with the type's key. No database.
"""

import html

from auth_types import registry

VALID = {
    "basic": {"username_name": "Username", "username_key": "username",
              "password_name": "Password", "password_key": "password"},
    "oauth1": {"consumer_key": "ck-123", "consumer_secret": "consumer-secret-canary",
               "request_token_url": "https://api.example.com/oauth/request_token",
               "authorization_url": "https://api.example.com/oauth/authorize",
               "token_url": "https://api.example.com/oauth/access_token", "revoke_url": "",
               "signature_method": "HMAC-SHA1"},
    "oauth2": {"grant_type": "authorization_code", "client_id": "client-123",
               "client_secret": "client-secret-canary", "client_auth": "client_secret_basic",
               "authorization_url": "https://api.example.com/oauth2/authorize",
               "token_url": "https://api.example.com/oauth2/token", "revoke_url": "", "refresh_url": "",
               "bearer_name": "Bearer", "expiry_seconds": "3600", "pkce": "on"},
    "bearer": {"location": "header", "parameter_name": "Bearer Token", "token_prefix": "Bearer"},
    "aws_sigv4": {"service": "s3", "region": "us-east-1"},
}


def bind(key, *, stored_config=None, stored_secrets=None, **changes):
    """Return the type's config form bound to VALID[key] updated with `changes` (None drops a field)."""
    values = {**VALID[key], **changes}
    data = {f"{key}-{name}": value for name, value in values.items() if value is not None}
    return registry.get(key).config_form(data, prefix=key, stored_config=stored_config, stored_secrets=stored_secrets)


def assert_valid(form):
    assert form.is_valid(), form.error_list()


def assert_refused(form, field):
    """Assert the field is refused with a readable message (formatting it, as the page will)."""
    assert not form.is_valid()
    assert field in form.errors, form.errors
    assert all(isinstance(message, str) and message for message in form.error_list())
    assert form.errors[field][0] in html.unescape(form.as_div())


def accepted_or_refused(form, field, ok):
    assert_valid(form) if ok else assert_refused(form, field)
