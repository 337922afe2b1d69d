"""The JWT bearer grant in the running app: the builder uploads a service account's key file on
Security, or each end user uploads their own on Add Connection; tokens are fetched and fetched
again without a browser (before expiry, and once after a 401), and the console calls the API.
Against Authlib's authorization server on 127.0.0.1, with keys generated here.
"""

import secrets

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as db
from django.test import Client
from django.urls import reverse

from auth_types.jwt_bearer import GRANT_TYPE
from builder.models import Scope
from connections.models import Connection
from tests.builder.conftest import security_data
from tests.connections.test_key_based import console
from tests.examples.jwt_bearer import google_key_file
from tests.peers.keys import public_pem, rsa_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder_client(builder_user):
    """The builder's own browser (user_client is the end user's)."""
    browser = Client()
    browser.force_login(builder_user)
    return browser


def service_account(peer, key):
    email = f"svc-{secrets.token_hex(4)}@demo.iam.gserviceaccount.com"
    peer.register_client("none", public_key_pem=public_pem(key), jwt_issuer=email, grant_types=[GRANT_TYPE])
    return email


def key_upload(key, email):
    return SimpleUploadedFile("service-account.json", google_key_file(key, email).encode(), "application/json")


def build(builder_client, make_connector, peer, *, key_source, upload=None):
    connector = make_connector(f"Service account {key_source}")
    fields = {"key_source": key_source, "token_url": peer.token_url, "test_url": peer.resource_url,
              "base_url": peer.base_url, "api_origins": "", "service_account_key": ""}
    data = security_data("jwt_bearer", **fields)
    if upload:
        data["jwt_bearer-service_account_key"] = upload
    response = builder_client.post(reverse("builder:security", args=[connector.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    connector.refresh_from_db()
    Scope.objects.create(connector=connector, name="Read", value="read")
    connector.scope_delimiter, connector.stage = " ", "ready"
    connector.save()
    assert connector.ready_problems() == []
    return connector


def me(user_client, connection):
    result = console(user_client, connection, url="/api/me").context["result"]
    assert result["status"] == 200, result
    return result["body"]


def test_the_builder_uploads_the_key_file_and_connections_need_no_browser(
        builder_client, make_connector, oauth2_authlib_provider, user_client):
    peer, key = oauth2_authlib_provider, rsa_key("builder-sa")
    email = service_account(peer, key)
    connector = build(builder_client, make_connector, peer, key_source="connector", upload=key_upload(key, email))
    assert connector.secrets["service_account_key"].count(email) == 1
    with db.cursor() as cursor:
        cursor.execute("SELECT secrets FROM builder_connector WHERE id = %s", [connector.pk])
        assert email not in str(cursor.fetchall())
    page = builder_client.get(reverse("builder:security", args=[connector.pk])).content.decode()
    assert email not in page and "PRIVATE KEY" not in page

    add_page = user_client.get(reverse("connections:add", args=[connector.pk])).content.decode()
    assert 'type="file"' not in add_page  # the builder's key serves every connection
    response = user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Robot", "scopes": ["read"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = Connection.objects.get(connector=connector)
    assert connection.status == Connection.Status.CONNECTED and connection.last_test_ok, connection.last_error
    assert f'"grant_type": "{GRANT_TYPE}"' in me(user_client, connection)


def test_each_end_user_uploads_their_own_key_and_tokens_are_fetched_again(
        builder_client, make_connector, oauth2_authlib_provider, user_client):
    peer, key = oauth2_authlib_provider, rsa_key("end-user-sa")
    email = service_account(peer, key)
    connector = build(builder_client, make_connector, peer, key_source="connection")
    assert "service_account_key" not in connector.secrets

    add_page = user_client.get(reverse("connections:add", args=[connector.pk])).content.decode()
    assert 'type="file"' in add_page and 'enctype="multipart/form-data"' in add_page
    refused = user_client.post(reverse("connections:add", args=[connector.pk]), {
        "name": "Mine", "scopes": ["read"],
        "cred-service_account_key": SimpleUploadedFile("k.json", b'{"type": "authorized_user"}')})
    assert refused.status_code == 400 and "not a service account" in refused.content.decode()

    peer.set_expires_in(30)  # within the refresh margin: every use fetches a new token
    try:
        response = user_client.post(reverse("connections:add", args=[connector.pk]), {
            "name": "Mine", "scopes": ["read"], "cred-service_account_key": key_upload(key, email)})
        assert response.status_code == 302, response.content.decode()[:2000]
        connection = Connection.objects.get(connector=connector)
        assert connection.status == Connection.Status.CONNECTED and connection.last_test_ok, connection.last_error
        client_id = next(c.client_id for c in peer.store.clients.values() if c.jwt_issuer == email)
        before = len(peer.token_requests(client_id))
        assert '"scope": "read"' in me(user_client, connection)
        assert len(peer.token_requests(client_id)) == before + 1
    finally:
        peer.set_expires_in(3600)

    # The provider revokes the token early: the 401 fetches a new one, once, and the call is retried.
    connection.refresh_from_db()
    me(user_client, connection)
    connection.refresh_from_db()
    peer.token(connection.secrets["access_token"]).revoked = True
    before = len(peer.token_requests(client_id))
    assert '"grant_type"' in me(user_client, connection)
    assert len(peer.token_requests(client_id)) == before + 1

    # The page never shows the key; Reauthorize keeps it when no new file is chosen.
    detail = user_client.get(connection.get_absolute_url()).content.decode()
    assert email not in detail and "PRIVATE KEY" not in detail
    response = user_client.post(reverse("connections:reauthorize", args=[connection.link_name]), {"scopes": ["read"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    connection.refresh_from_db()
    assert connection.secrets["service_account_key"].count(email) == 1
