"""OAuth1 connections end to end against two provider implementations (oauthlib's and Authlib's):
authorize, call, deny, revoke."""

import pytest
import requests
from django.contrib.messages import get_messages
from django.urls import reverse

from connections import services
from connections.models import Connection
from tests.connections.oauth_helpers import callback_from, oauth1_connector, query, start_authorization

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256"])
def test_three_legged_flow_and_signed_calls(user_client, any_oauth1_provider, method):
    provider = any_oauth1_provider
    if method not in getattr(provider, "signature_methods", (method,)):
        pytest.skip(f"This provider implementation does not offer {method}.")
    connector = oauth1_connector(provider, signature_method=method)
    provider_url = start_authorization(user_client, connector)
    assert provider_url.startswith(provider.authorize_url) and "oauth_token" in query(provider_url)

    response = user_client.get(callback_from(provider.approve(provider_url)))
    connection = Connection.objects.get()
    assert response["Location"] == connection.get_absolute_url()
    assert response["Cache-Control"] == "no-store"
    assert connection.status == Connection.Status.CONNECTED and connection.token_expires_at is None

    me = services.connection_request(connection, "GET", provider.resource_url, params={"q": "a b"})
    assert me.status_code == 200, me.text
    assert me.json()["signature_method"] == method


def test_denied_authorization_says_denied_and_saves_nothing(user_client, any_oauth1_provider):
    """oauthlib's peer answers denied=<token>; Authlib's error=access_denied without oauth_token."""
    connector = oauth1_connector(any_oauth1_provider)
    provider_url = start_authorization(user_client, connector)
    response = user_client.get(callback_from(any_oauth1_provider.deny(provider_url)))
    assert response["Location"] == reverse("microservices")
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("denied" in message for message in shown), shown
    assert not any("unknown, expired" in message for message in shown), shown
    assert not Connection.objects.exists()


def test_disconnect_revokes(user_client, any_oauth1_provider):
    oauth1_provider = any_oauth1_provider
    connector = oauth1_connector(oauth1_provider)
    user_client.get(callback_from(oauth1_provider.approve(start_authorization(user_client, connector))))
    connection = Connection.objects.get()
    auth = connector.kind.auth(connector.kind_config, connection.secrets, client=connector.secrets)
    user_client.post(reverse("connections:disconnect", args=[connection.link_name]))
    connection.refresh_from_db()
    assert connection.status == Connection.Status.REVOKED and connection.secrets == {}
    assert requests.get(oauth1_provider.resource_url, auth=auth, timeout=5).status_code == 401
    with pytest.raises(services.ConnectionNotAuthorized):
        services.connection_request(connection, "GET", oauth1_provider.resource_url)
