"""Token response mapping: a provider answering nested JSON, its expiry in seconds or as an absolute time.

The OAuth2 peer's token-quirks endpoint hands out DOT's real tokens, nested and re-dated as asked.
"""

import datetime

import pytest
from django.utils import timezone

from connections import services
from connections.models import Connection
from tests.connections.oauth_helpers import authorize_oauth2, oauth2_connector

pytestmark = pytest.mark.django_db

TTL = 7200


@pytest.fixture
def peer(oauth2_provider):
    oauth2_provider.set_access_token_ttl(TTL)
    oauth2_provider.reset_counts()
    yield oauth2_provider
    oauth2_provider.set_access_token_ttl(3600)


def mapped(peer, *, expiry, expiry_format, nest="data.token"):
    return oauth2_connector(
        peer, token_url=peer.fault_url("token-quirks", nest=nest, **({"expiry": expiry} if expiry else {})),
        access_token_field=f"{nest}.access_token", refresh_token_field=f"{nest}.refresh_token",
        expiry_field=f"{nest}.{'expires_at' if expiry else 'expires_in'}", expiry_format=expiry_format,
        expiry_seconds=60)


@pytest.mark.parametrize("expiry,expiry_format", [(None, "seconds"), ("epoch", "timestamp"),
                                                  ("epoch_ms", "timestamp"), ("iso", "timestamp")])
def test_nested_tokens_are_found_and_refreshed(user_client, peer, expiry, expiry_format):
    connector = mapped(peer, expiry=expiry, expiry_format=expiry_format)
    response = authorize_oauth2(user_client, peer, connector)
    assert response.status_code == 302
    connection = Connection.objects.get()
    assert connection.status == Connection.Status.CONNECTED and connection.granted_scopes == "read write"
    # The provider's lifetime (2 hours), not the connector's default of 60 s.
    lives = connection.token_expires_at - timezone.now()
    assert datetime.timedelta(minutes=100) < lives <= datetime.timedelta(seconds=TTL)
    assert connection.secrets["refresh_token"]
    assert services.connection_request(connection, "GET", peer.resource_url).status_code == 200

    old = dict(connection.secrets)
    services.tokens.connection_refresh(connection, force=True)
    connection.refresh_from_db()
    assert connection.secrets["access_token"] != old["access_token"]
    assert connection.secrets["refresh_token"] != old["refresh_token"]  # DOT rotates; the new one was found
    assert services.connection_request(connection, "GET", peer.resource_url).status_code == 200


def test_without_the_mapping_a_nested_answer_is_no_token(user_client, peer):
    connector = oauth2_connector(peer, token_url=peer.fault_url("token-quirks", nest="data.token"))
    response = authorize_oauth2(user_client, peer, connector)
    page = user_client.get(response["Location"]).content.decode()
    assert "answered without an access token" in page and not Connection.objects.exists()


def test_a_wrong_path_names_it(user_client, peer):
    connector = oauth2_connector(peer, token_url=peer.fault_url("token-quirks", nest="data"),
                                 access_token_field="result.access_token")
    response = authorize_oauth2(user_client, peer, connector)
    page = user_client.get(response["Location"]).content.decode()
    assert "without an access token at result.access_token" in page
