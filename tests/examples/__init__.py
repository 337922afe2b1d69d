"""One example of each registered auth type, in one place keyed by the registry.

``tests/examples/<key>.py`` holds ``EXAMPLE`` for the type registered under ``<key>``. Every
test that must hold for every type (the contract, the Security page, documents, secrets, a
connection at a real server) takes its data from here through ``examples()``, which follows
the registry: a newly registered type is covered by all of them at once, and one without an
example module fails them rather than being left out.
"""

import dataclasses
import importlib
from typing import Callable

import pytest

from auth_types import registry


@dataclasses.dataclass(frozen=True)
class Live:
    """A working connection at a real server (tests/peers): what to configure and how to authorize."""

    config: dict
    test_url: str
    client: dict = dataclasses.field(default_factory=dict)
    credentials: dict = dataclasses.field(default_factory=dict)  # FORM: what the end user types
    # REDIRECT: play the user at the provider; take its authorization URL, return the redirect back.
    approve: Callable[[str], str] | None = None
    # Called with the saved connector before authorizing (e.g. register its callback URL).
    prepare: Callable = lambda connector: None
    scope_delimiter: str = ","
    scopes: tuple = ()


@dataclasses.dataclass(frozen=True)
class Example:
    """One valid configuration of a type and the values a connection of it holds.

    Every secret holds the word CANARY and characters encodings change (space, /, +, &, =), so
    a leak shows in any encoding; `leaks` adds derived forms that hold no CANARY themselves.
    """

    config: dict  # as Security stores it
    client: dict = dataclasses.field(default_factory=dict)  # the connector's secrets
    credentials: dict = dataclasses.field(default_factory=dict)  # a connection's stored secrets
    leaks: tuple = ()  # derived forms of the credentials that must never be shown either
    openapi_scheme: dict | None = None  # an OpenAPI security scheme this type imports, if any
    live: Callable[["Peers"], Live] | None = None  # a connection at its real server

    @property
    def secrets(self):
        """Return every secret value of the example (the connector's and the connection's)."""
        return [value for value in (*self.client.values(), *self.credentials.values())
                if isinstance(value, str) and "CANARY" in value]


def example(key):
    """Return the example of the type registered under key; fail clearly when it has none."""
    try:
        module = importlib.import_module(f"tests.examples.{key}")
    except ModuleNotFoundError:
        pytest.fail(f"The auth type {key!r} has no example: write tests/examples/{key}.py (see README, "
                    "Adding an authentication type).")
    return module.EXAMPLE


def keys():
    """Return the key of every registered type, in the registry's order (for parametrize)."""
    return [auth_type.key for auth_type in registry.all_types()]


def examples():
    """Return {key: Example} for every registered type."""
    return {key: example(key) for key in keys()}


def secret_fields_in_use():
    """Return (key, secret field) for every secret field that applies with its type's example config.

    (A secret of another choice, such as OAuth2's private key beside client_secret_basic, has tests
    of its own.)
    """
    pairs = []
    for auth_type in registry.all_types():
        form = auth_type.config_form()
        pairs += [(auth_type.key, name) for name in auth_type.config_form.secret_fields
                  if form.applies(name, example(auth_type.key).config)]
    return pairs


class Peers:
    """The real servers of tests/peers, started on first use (session fixtures)."""

    def __init__(self, request):
        self._request = request

    @property
    def httpbin(self):
        return self._request.getfixturevalue("httpbin_url")

    @property
    def moto(self):
        return self._request.getfixturevalue("moto_server")

    @property
    def oauth2(self):
        return self._request.getfixturevalue("oauth2_provider")

    @property
    def oauth2_jwt(self):
        """The Authlib OAuth2 provider: JWT client assertions and the JWT bearer grant (RFC 7523)."""
        return self._request.getfixturevalue("oauth2_authlib_provider")

    @property
    def oauth1(self):
        return self._request.getfixturevalue("oauth1_provider")
