"""OAuth2 custom parameters and the token body format, against django-oauth-toolkit.

The peer's token-strict endpoint answers like DOT's own token endpoint, but only to the body
format it is told (JSON, as Square requires, or a form) carrying the parameters it expects.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from connections import services
from connections.models import Connection
from tests.connections.oauth_helpers import (authorize_oauth2, callback_from, oauth2_connector, query,
                                             start_authorization)
from tests.peers.oauth_fixtures import approve_oauth2_consent

pytestmark = pytest.mark.django_db

AUDIENCE = "https://api.zylker.example/v2"
AUTHORIZATION_PARAMS = [{"name": "access_type", "value": "offline"}, {"name": "prompt", "value": "consent"},
                        {"name": "audience", "value": AUDIENCE}]
TOKEN_PARAMS = [{"name": "audience", "value": AUDIENCE}, {"name": "tenant", "value": "zylker-eu"}]


@pytest.fixture
def peer(oauth2_provider):
    oauth2_provider.set_access_token_ttl(3600)
    oauth2_provider.reset_counts()
    return oauth2_provider


def strict_url(peer, body):
    return peer.fault_url("token-strict", body=body, **{"expect.audience": AUDIENCE, "expect.tenant": "zylker-eu"})


@pytest.mark.parametrize("body", ["form", "json"])
def test_authorization_code_with_custom_parameters(user_client, peer, body):
    connector = oauth2_connector(peer, authorization_params=AUTHORIZATION_PARAMS, token_params=TOKEN_PARAMS,
                                 token_body=body, token_url=strict_url(peer, body))
    provider_url = start_authorization(user_client, connector, scopes=["read"])
    params = query(provider_url)
    assert params["access_type"] == "offline" and params["prompt"] == "consent" and params["audience"] == AUDIENCE
    assert params["response_type"] == "code" and params["code_challenge_method"] == "S256"

    response = user_client.get(callback_from(approve_oauth2_consent(peer, provider_url)))
    assert response.status_code == 302, response.content.decode()[:500]
    connection = Connection.objects.get()
    assert connection.status == Connection.Status.CONNECTED
    assert services.connection_request(connection, "GET", peer.resource_url).status_code == 200

    # The refresh carries them too, in the same body format.
    old = connection.secrets["access_token"]
    Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now() + datetime.timedelta(seconds=5))
    connection.refresh_from_db()
    assert services.connection_request(connection, "GET", peer.resource_url).status_code == 200
    connection.refresh_from_db()
    assert connection.secrets["access_token"] != old and connection.status == Connection.Status.CONNECTED


@pytest.mark.parametrize("body", ["form", "json"])
def test_client_credentials_with_custom_parameters(user_client, peer, body):
    connector = oauth2_connector(peer, grant="client_credentials", name="Machine", token_params=TOKEN_PARAMS,
                                 token_body=body, token_url=strict_url(peer, body),
                                 client_auth="client_secret_post")
    response = user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Robot"})
    assert response.status_code == 302, response.content.decode()[:500]
    connection = Connection.objects.get()
    assert services.connection_request(connection, "GET", peer.resource_url).status_code == 200
    assert peer.counts().get("/faults/token-strict/") == 1


@pytest.mark.parametrize("sent,expected", [("form", "json"), ("json", "form")])
def test_a_provider_refusing_the_body_format_is_shown(user_client, peer, sent, expected):
    connector = oauth2_connector(peer, grant="client_credentials", name="Machine", token_params=TOKEN_PARAMS,
                                 token_body=sent, token_url=strict_url(peer, expected))
    response = user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Robot"}, follow=True)
    assert "invalid_request" in response.content.decode() and not Connection.objects.exists()


def test_without_the_token_parameters_the_strict_provider_refuses(user_client, peer):
    connector = oauth2_connector(peer, token_url=strict_url(peer, "form"))
    response = authorize_oauth2(user_client, peer, connector)
    page = user_client.get(response["Location"]).content.decode()
    assert "The parameter audience is missing or wrong" in page and not Connection.objects.exists()
