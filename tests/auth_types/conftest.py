"""Fixtures of the OAuth2 protocol tests: the peer set up for them, and a server that records requests."""

import pytest

from tests.auth_types.oauth2_helpers import REDIRECT_URI, Recorder


@pytest.fixture
def provider(oauth2_provider):
    oauth2_provider.set_redirect_uris(REDIRECT_URI)
    return oauth2_provider


@pytest.fixture
def recorder():
    server = Recorder().start()
    yield server
    server.stop()
