"""Reconnect in place (issue 10 item 5): Reauthorize keeps the connection; another provider account asks first.

The accounts are real ones at the test OAuth2 server (alice, and another made for the test); the
account is named by the JSON field the builder chose in the test request's answer (the peer's
/api/me says {"user": ...}), or by an ID token's sub.
"""

import base64
import json
import re
import time

import pytest
from django.urls import reverse

from connections.models import Connection, ConnectionEvent
from reconnect.identity import dig, sub_of
from reconnect.models import AccountIdentity, IdentityField
from tests.connections.oauth_helpers import authorize_oauth2, callback_from, oauth2_connector
from tests.peers.oauth_fixtures import approve_oauth2_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(client, make_user, oauth2_provider):
    user = make_user("reconnecting")
    client.force_login(user)
    connector = oauth2_connector(oauth2_provider, name=f"Accounts {time.monotonic_ns() % 10**9}")
    connector.test_url = oauth2_provider.resource_url
    connector.save()
    IdentityField.objects.create(connector=connector, path="user")
    authorize_oauth2(client, oauth2_provider, connector)
    return Connection.objects.get(owner=user)


def reauthorize(client, peer, connection):
    """Reauthorize at the provider as `peer.username`; return the app's answer to the callback."""
    start = client.post(reverse("connections:reauthorize", args=[connection.link_name]), {})
    assert start.status_code == 302, start.content.decode()[:1000]
    return client.get(callback_from(approve_oauth2_consent(peer, start["Location"])))


def test_the_account_is_remembered_and_the_same_account_reauthorizes_without_a_question(client, connected,
                                                                                      oauth2_provider):
    assert AccountIdentity.objects.get(connection=connected).value == oauth2_provider.username
    token = connected.secrets["access_token"]
    answer = reauthorize(client, oauth2_provider, connected)
    assert answer.status_code == 302 and answer["Location"] == connected.get_absolute_url()
    refreshed = Connection.objects.get(pk=connected.pk)
    assert refreshed.secrets["access_token"] != token and refreshed.name == connected.name
    assert refreshed.events.filter(action=ConnectionEvent.Action.AUTHORIZED).count() == 2


def test_another_account_is_confirmed_first_and_can_be_refused(client, connected, oauth2_provider):
    bob = oauth2_provider.as_another_account("bob")
    token = connected.secrets["access_token"]

    answer = reauthorize(client, bob, connected)
    assert answer.status_code == 302 and "/confirm-account/" in answer["Location"]
    assert Connection.objects.get(pk=connected.pk).secrets["access_token"] == token  # nothing replaced yet
    page = client.get(answer["Location"]).content.decode()
    assert re.search(r'data-testid="new-account">bob<', page)
    assert re.search(rf'data-testid="previous-account">{oauth2_provider.username}<', page)
    assert "access_token" not in page

    kept = client.post(answer["Location"], {"choice": "keep"})
    assert kept["Location"] == connected.get_absolute_url()
    assert Connection.objects.get(pk=connected.pk).secrets["access_token"] == token
    assert client.post(answer["Location"], {"choice": "replace"}).status_code == 404  # used once


def test_another_account_replaces_the_credentials_once_confirmed_in_place(client, connected, oauth2_provider):
    from connections import services

    bob = oauth2_provider.as_another_account("bob")
    events = connected.events.count()
    answer = reauthorize(client, bob, connected)
    done = client.post(answer["Location"], {"choice": "replace"})
    assert done["Location"] == connected.get_absolute_url()
    replaced = Connection.objects.select_related("connector").get(pk=connected.pk)
    assert (replaced.link_name, replaced.name) == (connected.link_name, connected.name)
    assert replaced.events.count() > events  # the same history, continued
    assert AccountIdentity.objects.get(connection=connected).value == "bob"
    assert services.connection_request(replaced, "GET", oauth2_provider.resource_url).json()["user"] == "bob"


def test_a_confirmation_belongs_to_its_user(client, connected, oauth2_provider, make_user):
    answer = reauthorize(client, oauth2_provider.as_another_account("bob"), connected)
    client.force_login(make_user("someone-else"))
    assert client.get(answer["Location"]).status_code == 404


def test_a_connector_that_names_no_account_never_asks(client, connected, oauth2_provider):
    IdentityField.objects.all().delete()
    answer = reauthorize(client, oauth2_provider.as_another_account("bob"), connected)
    assert answer["Location"] == connected.get_absolute_url()


def test_the_openid_sub_and_json_fields():
    claims = base64.urlsafe_b64encode(json.dumps({"sub": "248289761001", "iss": "x"}).encode()).decode().rstrip("=")
    assert sub_of(f"eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln") == "248289761001"
    assert sub_of("not a token") is None and sub_of(None) is None
    answer = {"user": {"email": "a@example.com", "ids": [7, 8]}, "id": 42}
    assert dig(answer, "id") == "42" and dig(answer, "user.email") == "a@example.com"
    assert dig(answer, "user.ids.1") == "8" and dig(answer, "user") is None and dig(answer, "missing") is None
