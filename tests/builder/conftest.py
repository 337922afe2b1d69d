"""Fixtures and helpers for the builder's page tests: valid Security data, configured connectors, images."""

import io
import struct
import zlib
from html.parser import HTMLParser

import pytest
from PIL import Image

from auth_types import registry
from tests.examples import example, keys

CLIENT_SECRET = example("oauth2").client["client_secret"]
CONSUMER_SECRET = example("oauth1").client["consumer_secret"]

# Every registered type, and those the OAuth Scopes section, the callback URL and secrets apply to.
AUTH_TYPE_KEYS = tuple(keys())
SCOPED_KEYS = tuple(key for key in AUTH_TYPE_KEYS if registry.get(key).uses_scopes)
CALLBACK_KEYS = tuple(key for key in AUTH_TYPE_KEYS if registry.get(key).uses_callback)
# (every type's form has secret fields, mutual TLS's: these are the types whose example stores a secret)
WITH_SECRETS = tuple(key for key in AUTH_TYPE_KEYS if example(key).client)

# The non-prefixed fields of the Security form (the test request and the type choice).
SHARED_SECURITY_FIELDS = ("auth_type", "test_method", "test_url", "expiry_statuses", "expiry_body_field",
                          "expiry_body_value", "base_url", "api_origins", "other_hosts")


def security_data(key, **fields):
    """Return a valid Security POST for `key` (its example); `fields` override it (unprefixed names, None drops one)."""
    stored = example(key)
    values = {**registry.get(key).config_form.stored_data(stored.config, stored.client), "test_method": "GET",
              "test_url": "", **fields}
    data = {"auth_type": key}
    for name, value in values.items():
        if value is not None:
            data[name if name in SHARED_SECURITY_FIELDS else f"{key}-{name}"] = value
    return data


def configure(connector, key, **fields):
    """Store a valid configuration of `key` on `connector` through the type's own form, as Security does."""
    data = security_data(key, **fields)
    form = registry.get(key).config_form(data, prefix=key)
    assert form.is_valid(), form.errors
    connector.auth_type, connector.config, connector.secrets = key, form.config(), form.secrets()
    connector.save()
    return connector


class _FeedbackParser(HTMLParser):
    """Collect the text of one element (by id) and of everything inside it."""

    def __init__(self, element_id):
        super().__init__()
        self.element_id, self.depth, self.text = element_id, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def field_error(response, html_name):
    """Return the text shown in the invalid-feedback of the field named `html_name` ('' when none)."""
    parser = _FeedbackParser(f"id_{html_name}_error")
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.text).split())


def page(response):
    return response.content.decode()


def image_bytes(fmt="PNG", size=(64, 40), color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side=20_000):
    """Return a small PNG declaring side×side pixels: a decompression bomb (no image data needed)."""
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
    data = _png_chunk(b"IDAT", zlib.compress(b"\0" * (1 + side // 8)))
    return b"\x89PNG\r\n\x1a\n" + header + data + _png_chunk(b"IEND", b"")


@pytest.fixture
def superuser(make_user):
    return make_user("root", superuser=True)


@pytest.fixture
def oauth2_connector(make_connector):
    return configure(make_connector("Zylker OAuth2"), "oauth2")


@pytest.fixture
def oauth1_connector(make_connector):
    return configure(make_connector("Zylker OAuth1"), "oauth1")
