"""Helpers shared by the configuration form tests: each type's example as posted data, binding, the checks.

Forms are bound as the builder binds them: prefixed with the type's key. No database.
"""

import html

from auth_types import registry
from tests.examples import example



def valid(key):
    """Return the type's example as its config form posts it (names without the prefix)."""
    stored = example(key)
    return registry.get(key).config_form.stored_data(stored.config, stored.client)


def bind(key, *, stored_config=None, stored_secrets=None, **changes):
    """Return the type's config form bound to its example updated with `changes` (None drops a field)."""
    values = {**valid(key), **changes}
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
