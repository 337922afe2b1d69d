"""Expiry signals per connector and tokens the provider rejects, against real providers:
django-oauth-toolkit (401, 403 and a 200 error body for a dead token) and the OAuth1 peers."""

import pytest
from django.urls import reverse

from connections import services
from connections.models import Connection, ConnectionEvent
from tests.connections.oauth_helpers import authorize_oauth2, callback_from, oauth1_connector, oauth2_connector
from tests.connections.oauth_helpers import start_authorization

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer(oauth2_provider):
    oauth2_provider.set_access_token_ttl(3600)
    return oauth2_provider


def connected(client, peer, **signal):
    connector = oauth2_connector(peer)
    type(connector).objects.filter(pk=connector.pk).update(**signal)
    connector.refresh_from_db()
    authorize_oauth2(client, peer, connector)
    connection = Connection.objects.get()
    # The provider drops the token while the app still believes it good for an hour.
    peer.expire_access_tokens()
    peer.reset_counts()
    return connection


def token_requests(peer):
    return peer.counts().get("/o/token/", 0)


@pytest.mark.parametrize("path, signal", [
    ("/api/me/", {}),
    ("/api/me-403/", {"expiry_statuses": "401,403"}),
    ("/api/me-403/", {"expiry_statuses": "403"}),
    ("/api/me-200-error/", {"expiry_body_field": "error", "expiry_body_value": "token_expired"}),
])
def test_the_expiry_signal_refreshes_and_retries_once(user_client, peer, path, signal):
    connection = connected(user_client, peer, **signal)

    answer = services.connection_request(connection, "GET", peer.base_url + path)

    assert answer.status_code == 200 and answer.json()["user"] == peer.username
    assert token_requests(peer) == 1
    assert connection.events.filter(action=ConnectionEvent.Action.REFRESHED).count() == 1


@pytest.mark.parametrize("path", ["/api/me-403/", "/api/me-200-error/"])
def test_an_answer_that_is_not_the_signal_is_returned_as_it_is(user_client, peer, path):
    connection = connected(user_client, peer)  # the default signal: 401 only

    answer = services.connection_request(connection, "GET", peer.base_url + path)

    assert answer.status_code in (200, 403) and "user" not in answer.json()
    assert token_requests(peer) == 0
    connection.refresh_from_db()
    assert connection.status == Connection.Status.CONNECTED


def test_a_refused_refresh_marks_the_connection_and_says_so(user_client, peer):
    connection = connected(user_client, peer, expiry_statuses="403")
    type(connection.connector).objects.filter(pk=connection.connector.pk).update(
        config={**connection.connector.config, "refresh_url": peer.fault_url("invalid-grant")})
    connection = Connection.objects.select_related("connector").get()

    response = user_client.post(reverse("connections:console", args=[connection.link_name]),
                                {"method": "GET", "url": peer.base_url + "/api/me-403/", "body_type": "none"})

    assert response.status_code == 400 and "needs to be reauthorized" in response.content.decode()
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_REAUTHORIZATION and connection.token_error
    page = user_client.get(connection.get_absolute_url()).content.decode()
    assert 'data-testid="reauthorization-reason"' in page and "no longer accepts this authorization" in page


def test_an_oauth1_token_revoked_at_the_provider_needs_reauthorization(user_client, any_oauth1_provider):
    """OAuth1 tokens never expire and cannot be refreshed: a 401 means authorize again."""
    connector = oauth1_connector(any_oauth1_provider)
    user_client.get(callback_from(any_oauth1_provider.approve(start_authorization(user_client, connector))))
    connection = Connection.objects.select_related("connector").get()
    any_oauth1_provider.revoke_all_access_tokens()

    with pytest.raises(services.ConnectionNeedsReauthorization, match="no longer accepts its token") as caught:
        services.connection_request(connection, "GET", any_oauth1_provider.resource_url)

    assert "HTTP 401" in str(caught.value)
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_REAUTHORIZATION and connection.last_status == 401
    page = user_client.get(connection.get_absolute_url()).content.decode()
    assert "no longer accepts its token" in page and reverse("connections:reauthorize",
                                                             args=[connection.link_name]) in page
    any_oauth1_provider.reset_counts()
    with pytest.raises(services.ConnectionNeedsReauthorization):
        services.connection_request(connection, "GET", any_oauth1_provider.resource_url)
    assert any_oauth1_provider.counts() == {}  # no more calls with a dead token

    # Reauthorizing in place brings it back.
    user_client.get(callback_from(any_oauth1_provider.approve(
        user_client.post(reverse("connections:reauthorize", args=[connection.link_name]), {})["Location"])))
    connection.refresh_from_db()
    assert connection.status == Connection.Status.CONNECTED and connection.token_error == ""
