"""Connectors imported from an OpenID Connect discovery document against django-oauth-toolkit, with
and without RFC 9207 iss: a missing iss is refused only when discovery says the server sends it."""

import json

import pytest

from builder import openapi
from builder.models import Stage
from connections.models import Connection
from tests.connections.oauth_helpers import callback_from, start_authorization
from tests.peers.oauth_fixtures import approve_oauth2_consent

pytestmark = pytest.mark.django_db


def imported_connector(peer, user):
    """Import an OpenAPI document whose one scheme is the peer's OpenID Connect discovery; complete it."""
    document = {"openapi": "3.0.3", "info": {"title": "Peer API", "version": "1"},
                "servers": [{"url": peer.base_url + "/api"}], "paths": {},
                "components": {"securitySchemes": {"oidc": {"type": "openIdConnect",
                                                            "openIdConnectUrl": peer.discovery_url}}}}
    connector = openapi.import_openapi(json.dumps(document), user=user)
    connector.config["client_id"] = peer.client_id
    connector.secrets = {"client_secret": peer.client_secret}
    connector.stage = Stage.READY
    connector.save()
    peer.add_redirect_uri(f"http://testserver{connector.callback_path()}")
    return connector


def provider_redirect(client, peer, connector):
    return approve_oauth2_consent(peer, start_authorization(client, connector, scopes=["read"]))


def test_a_server_that_sends_no_iss_is_accepted(user_client, end_user, oauth2_provider):
    with oauth2_provider.authorization_response_iss(False):
        connector = imported_connector(oauth2_provider, end_user)
        assert connector.config["issuer"] == oauth2_provider.issuer and not connector.config["require_iss"]
        redirect = provider_redirect(user_client, oauth2_provider, connector)
    assert "iss=" not in redirect

    user_client.get(callback_from(redirect))

    assert Connection.objects.get().status == Connection.Status.CONNECTED


def test_a_server_that_says_it_sends_iss_must_send_it(user_client, end_user, oauth2_provider):
    with oauth2_provider.authorization_response_iss(True):
        connector = imported_connector(oauth2_provider, end_user)
        assert connector.config["require_iss"] is True
        with_iss = provider_redirect(user_client, oauth2_provider, connector)
        stripped = callback_from(provider_redirect(user_client, oauth2_provider, connector)).replace("&iss=", "&x=")
    assert "iss=" in with_iss
    oauth2_provider.reset_counts()

    user_client.get(stripped)
    assert not Connection.objects.exists() and oauth2_provider.counts().get("/o/token/", 0) == 0

    user_client.get(callback_from(with_iss))
    assert Connection.objects.get().status == Connection.Status.CONNECTED
