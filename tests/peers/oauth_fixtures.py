"""Pytest fixtures for the two OAuth providers, and a helper that plays the user at the consent page.

Register with ``pytest_plugins = ["tests.peers.oauth_fixtures"]`` in the root conftest.
"""

import secrets
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
import requests

from tests.peers.authlib_oauth1_server import start_authlib_oauth1_peer
from tests.peers.authlib_oauth2_server import start_authlib_oauth2_peer
from tests.peers.oauth1_server import start_oauth1_peer
from tests.peers.oauth2_server.launcher import start_oauth2_peer


@pytest.fixture(scope="session")
def oauth2_provider():
    """Run django-oauth-toolkit in a child process for the whole session.

    Tests that change it (redirect URIs, token lifetime) set what they need first.
    """
    peer = start_oauth2_peer()
    yield peer
    peer.stop()


@pytest.fixture(scope="session")
def oauth2_authlib_provider():
    """Run the Authlib-based OAuth2 provider (JWT client assertions, the JWT bearer grant) for the session.

    Each test registers the clients it needs (``register_client``), with keys it generates.
    """
    peer = start_authlib_oauth2_peer()
    yield peer
    peer.stop()


@pytest.fixture(scope="session")
def test_pki():
    """A test CA with server and client certificates (tests/peers/tls.py), generated for the session."""
    from tests.peers.tls import make_pki

    return make_pki()


@pytest.fixture(scope="session")
def oauth2_authlib_tls_provider(test_pki):
    """The Authlib OAuth2 provider over TLS (the test CA's server certificate), asking for a client
    certificate from the test CA (RFC 8705 tls_client_auth); a connection without one is still served."""
    import ssl

    from tests.peers.tls import server_context

    context = server_context(test_pki.server, client_ca_pem=test_pki.ca.pem)
    context.verify_mode = ssl.CERT_OPTIONAL
    peer = start_authlib_oauth2_peer(ssl_context=context)
    yield peer
    peer.stop()


@pytest.fixture(scope="session")
def oauth1_authlib_provider():
    """Run the Authlib-based OAuth1 provider (a second implementation) for the whole session."""
    peer = start_authlib_oauth1_peer(consumer_key="connectors-" + secrets.token_hex(8),
                                     consumer_secret=secrets.token_urlsafe(24))
    yield peer
    peer.stop()


@pytest.fixture(params=["oauthlib", "authlib"])
def any_oauth1_provider(request):
    """Each OAuth1 provider implementation in turn: a client that works with one is not yet known to work."""
    return request.getfixturevalue({"oauthlib": "oauth1_provider", "authlib": "oauth1_authlib_provider"}[request.param])


@pytest.fixture(scope="session")
def oauth1_provider():
    """Run the oauthlib-based OAuth1 provider in a daemon thread for the whole session."""
    peer = start_oauth1_peer(consumer_key="connectors-" + secrets.token_hex(8),
                             consumer_secret=secrets.token_urlsafe(24))
    yield peer
    peer.stop()


class _FormReader(HTMLParser):
    """Collect the named inputs of the page's forms, and the CSRF token among them."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") in ("hidden", None, "text", "password"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


def form_fields(html):
    reader = _FormReader()
    reader.feed(html)
    return reader.fields


def approve_oauth2_consent(peer, authorization_url, *, allow=True, session=None):
    """Sign in at the peer and answer its consent page; return the redirect it sends back.

    The redirect (to the client's redirect URI, with ``code`` or ``error``) is not followed.
    When the peer redirects without asking (an invalid request), that redirect is returned.
    """
    session = session or requests.Session()
    login = form_fields(session.get(peer.login_url, timeout=10).text)
    login.update(username=peer.username, password=peer.password)
    signed_in = session.post(peer.login_url, data=login, allow_redirects=False, timeout=10)
    if signed_in.status_code != 302:
        raise AssertionError(f"The peer refused to sign {peer.username} in")
    consent_page = session.get(authorization_url, allow_redirects=False, timeout=10)
    if consent_page.is_redirect:
        return urljoin(authorization_url, consent_page.headers["Location"])
    consent_page.raise_for_status()
    consent = form_fields(consent_page.text)
    if allow:
        consent["allow"] = "Authorize"
    answer = session.post(authorization_url, data=consent, allow_redirects=False, timeout=10)
    if not answer.is_redirect:
        raise AssertionError(f"The consent answer was {answer.status_code}, not a redirect: {answer.text[:500]}")
    return urljoin(authorization_url, answer.headers["Location"])
