"""OAuth1 connections end to end against the oauthlib provider: authorize, call, revoke."""

import pytest
import requests
from django.urls import reverse

from connections import services
from connections.models import Connection
from tests.connections.oauth_helpers import callback_from, oauth1_connector, query, start_authorization

pytestmark = pytest.mark.django_db


def approve(provider_url):
    """Play the user at the provider's authorization page (auto-approve); return its redirect."""
    answer = requests.get(provider_url, params={"auto_approve": "1"}, allow_redirects=False, timeout=5)
    assert answer.is_redirect, answer.text[:500]
    return answer.headers["Location"]


@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256"])
def test_three_legged_flow_and_signed_calls(user_client, oauth1_provider, method):
    connector = oauth1_connector(oauth1_provider, signature_method=method)
    provider_url = start_authorization(user_client, connector)
    assert provider_url.startswith(oauth1_provider.authorize_url) and "oauth_token" in query(provider_url)

    response = user_client.get(callback_from(approve(provider_url)))
    connection = Connection.objects.get()
    assert response["Location"] == connection.get_absolute_url()
    assert response["Cache-Control"] == "no-store"
    assert connection.status == Connection.Status.CONNECTED and connection.token_expires_at is None

    me = services.connection_request(connection, "GET", oauth1_provider.resource_url, params={"q": "a b"})
    assert me.status_code == 200, me.text
    assert me.json()["signature_method"] == method


def test_denied_authorization_saves_nothing(user_client, oauth1_provider):
    connector = oauth1_connector(oauth1_provider)
    provider_url = start_authorization(user_client, connector)
    token = query(provider_url)["oauth_token"]
    response = user_client.get(f"{connector.callback_path()}?denied={token}")
    # Back to Add Connection, which says what happened and offers Try again.
    assert response["Location"] == f"{reverse('connections:add', args=[connector.pk])}?failed=1"
    assert not Connection.objects.exists()
    page = user_client.get(response["Location"]).content.decode()
    assert "Sandbox OAuth1: " in page and ">Try again</button>" in page


def test_disconnect_revokes(user_client, oauth1_provider):
    connector = oauth1_connector(oauth1_provider)
    user_client.get(callback_from(approve(start_authorization(user_client, connector))))
    connection = Connection.objects.get()
    auth = connector.kind.auth(connector.kind_config, connection.secrets, client=connector.secrets)
    user_client.post(reverse("connections:disconnect", args=[connection.link_name]))
    connection.refresh_from_db()
    assert connection.status == Connection.Status.REVOKED and connection.secrets == {}
    assert requests.get(oauth1_provider.resource_url, auth=auth, timeout=5).status_code == 401
    with pytest.raises(services.ConnectionNotAuthorized):
        services.connection_request(connection, "GET", oauth1_provider.resource_url)
