"""JWT client authentication in the running app: the builder's Security page takes the private key
(stored encrypted, never shown back), and connections authorize through the pages at a real
server that verifies the assertions (Authlib's, tests/peers), then call its API from the console.
"""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from builder.models import Scope
from connections.models import Connection
from tests.builder.conftest import security_data
from tests.connections.oauth_helpers import callback_from
from tests.connections.test_key_based import console
from tests.peers.keys import ec_key, private_pem, public_pem, rsa_key

pytestmark = pytest.mark.django_db

SECRET = "client-secret-jwt-CANARY-" + "y" * 32


@pytest.fixture
def builder_client(builder_user):
    """The builder's own browser (user_client is the end user's)."""
    browser = Client()
    browser.force_login(builder_user)
    return browser


def security_post(peer, client_id, client_auth, *, grant, key=None):
    fields = {"grant_type": grant, "client_id": client_id, "client_auth": client_auth, "client_secret": "",
              "authorization_url": peer.authorize_url if grant == "authorization_code" else "",
              "token_url": peer.token_url, "revoke_url": peer.revoke_url, "test_url": peer.resource_url,
              "base_url": peer.base_url, "api_origins": ""}
    if client_auth == "private_key_jwt":
        # Pasted into a one-line field: the browser drops the line breaks.
        fields["client_private_key"] = private_pem(key).replace("\n", "")
    else:
        fields["client_secret"] = SECRET
    return security_data("oauth2", **fields)


def build(builder_client, make_connector, peer, client_auth, *, grant, key=None):
    """Configure a connector through the Security page and mark it Ready; return it."""
    client_id = (peer.register_client("private_key_jwt", public_key_pem=public_pem(key))
                 if client_auth == "private_key_jwt" else peer.register_client("client_secret_jwt",
                                                                               client_secret=SECRET))
    connector = make_connector(f"Assertions {client_auth} {grant}")
    response = builder_client.post(reverse("builder:security", args=[connector.pk]),
                                   security_post(peer, client_id, client_auth, grant=grant, key=key))
    assert response.status_code == 302, response.content.decode()[:3000]
    connector.refresh_from_db()
    Scope.objects.create(connector=connector, name="Read", value="read")
    connector.scope_delimiter = " "
    connector.stage = "ready"
    connector.save()
    assert connector.ready_problems() == []
    return connector, client_id


def test_the_security_page_stores_the_private_key_encrypted_and_never_shows_it(
        builder_client, make_connector, oauth2_authlib_provider):
    key = rsa_key()
    connector, _ = build(builder_client, make_connector, oauth2_authlib_provider, "private_key_jwt",
                         grant="client_credentials", key=key)
    pem = private_pem(key)
    assert connector.secrets["client_private_key"] == pem
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets, config FROM builder_connector WHERE id = %s", [connector.pk])
        raw = str(cursor.fetchall())
    assert pem.splitlines()[1] not in raw and "PRIVATE KEY" not in raw
    page = builder_client.get(reverse("builder:security", args=[connector.pk])).content.decode()
    assert "Private Key" in page and pem.splitlines()[1] not in page and pem.splitlines()[1][:20] not in page


def test_a_key_that_cannot_sign_is_refused_beside_the_field(builder_client, make_connector, oauth2_authlib_provider):
    connector = make_connector("Assertions refused")
    data = security_post(oauth2_authlib_provider, "c", "private_key_jwt", grant="client_credentials", key=ec_key())
    data["oauth2-client_private_key"] = public_pem(ec_key())
    response = builder_client.post(reverse("builder:security", args=[connector.pk]), data)
    assert response.status_code == 400
    assert "not a private key" in response.content.decode()


@pytest.mark.parametrize("client_auth, key", [("private_key_jwt", "ec"), ("client_secret_jwt", None)])
def test_client_credentials_connection_through_add_connection_and_console(
        builder_client, make_connector, oauth2_authlib_provider, user_client, client_auth, key):
    peer = oauth2_authlib_provider
    connector, client_id = build(builder_client, make_connector, peer, client_auth, grant="client_credentials",
                                 key=ec_key() if key else None)
    response = user_client.post(reverse("connections:add", args=[connector.pk]),
                                {"name": "Machine", "scopes": ["read"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = Connection.objects.get(connector=connector)
    assert connection.status == Connection.Status.CONNECTED, connection.last_error
    assert connection.last_test_ok, connection.last_test_message

    result = console(user_client, connection, url="/api/me").context["result"]
    assert result["status"] == 200 and f'"auth_method": "{client_auth}"' in result["body"]
    assert [entry["auth_method"] for entry in peer.token_requests(client_id)] == [client_auth]


def test_authorization_code_connection_with_private_key_jwt_through_the_pages(
        builder_client, make_connector, oauth2_authlib_provider, user_client):
    peer = oauth2_authlib_provider
    connector, client_id = build(builder_client, make_connector, peer, "private_key_jwt",
                                 grant="authorization_code", key=rsa_key())
    peer.add_redirect_uri(client_id, f"http://testserver{connector.callback_path()}")
    response = user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Alice", "scopes": ["read"]})
    assert response.status_code == 302
    response = user_client.get(callback_from(peer.approve(response["Location"])))
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = Connection.objects.get(connector=connector)
    assert connection.status == Connection.Status.CONNECTED and connection.last_test_ok, connection.last_error

    result = console(user_client, connection, url="/api/me").context["result"]
    assert '"user": "alice"' in result["body"] and '"auth_method": "private_key_jwt"' in result["body"]
