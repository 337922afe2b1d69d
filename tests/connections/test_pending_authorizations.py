"""A redirect flow's secrets live server-side, encrypted, used once, for ten minutes (issue 14, finding 3)."""

import datetime
import json

import pytest
from django.contrib.sessions.models import Session
from django.db import connection as db
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from connections import authorization
from connections.models import Connection, PendingAuthorization
from tests.conftest import PASSWORD
from tests.connections.oauth_helpers import (approve_oauth2_consent, callback_from, oauth1_connector,
                                             oauth2_connector, query, start_authorization)

pytestmark = pytest.mark.django_db


def try_again_url(connector):
    """Where a refused callback sends the user: back to Add Connection, with Try again."""
    return reverse("connections:add", args=[connector.pk]) + "?failed=1"


def stored_text():
    """Return everything the database holds about pending flows and sessions, as stored."""
    with db.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {PendingAuthorization._meta.db_table}")
        rows = cursor.fetchall()
    sessions = [json.dumps(session.get_decoded()) for session in Session.objects.all()]
    return repr(rows) + "".join(sessions)


def signed_in(user):
    """A session_client of its own, signed in through the login page (a real session row)."""
    client = Client()
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def session_client(end_user):
    return signed_in(end_user)


@pytest.fixture
def peer(oauth2_provider):
    oauth2_provider.reset_counts()
    return oauth2_provider


class TestSecretsAtRest:
    def test_the_pkce_verifier_is_stored_encrypted_and_nowhere_else(self, session_client, peer):
        start_authorization(session_client, oauth2_connector(peer))
        verifier = PendingAuthorization.objects.get().flow["code_verifier"]
        assert len(verifier) >= 43
        assert verifier not in stored_text()

    def test_the_oauth1_request_token_secret_is_stored_encrypted_and_nowhere_else(self, session_client, oauth1_provider):
        provider_url = start_authorization(session_client, oauth1_connector(oauth1_provider))
        flow = PendingAuthorization.objects.get().flow
        assert flow["state"] == query(provider_url)["oauth_token"]
        assert flow["oauth_token_secret"] and flow["oauth_token_secret"] not in stored_text()

    def test_the_row_is_deleted_when_used(self, session_client, oauth1_provider):
        provider_url = start_authorization(session_client, oauth1_connector(oauth1_provider))
        session_client.get(callback_from(oauth1_provider.approve(provider_url)))
        assert Connection.objects.get().status == Connection.Status.CONNECTED
        assert not PendingAuthorization.objects.exists()

    def test_a_denied_flow_is_deleted_too(self, session_client, peer):
        provider_url = start_authorization(session_client, oauth2_connector(peer))
        session_client.get(callback_from(approve_oauth2_consent(peer, provider_url, allow=False)))
        assert not Connection.objects.exists() and not PendingAuthorization.objects.exists()


class TestBinding:
    def test_the_same_user_in_another_client_session_cannot_finish_it(self, session_client, end_user, peer):
        connector = oauth2_connector(peer)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(session_client, connector)))
        other_client = signed_in(end_user)
        response = other_client.get(callback)
        assert response["Location"] == try_again_url(connector)
        assert "unknown, expired or already used" in other_client.get(response["Location"]).content.decode()
        assert not Connection.objects.exists()
        # The flow is still the first session_client's to finish.
        assert session_client.get(callback).status_code == 302 and Connection.objects.count() == 1

    def test_signing_out_ends_the_flows_of_the_session(self, session_client, end_user, peer):
        connector = oauth2_connector(peer)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(session_client, connector)))
        session_client.post(reverse("logout"))
        session_client.post(reverse("login"), {"username": end_user.username, "password": PASSWORD})
        session_client.get(callback)
        assert not Connection.objects.exists()

    def test_a_session_keeps_only_its_newest_flows(self, session_client, peer):
        connector = oauth2_connector(peer)
        states = [query(start_authorization(session_client, connector))["state"]
                  for _ in range(authorization.MAX_FLOWS + 2)]
        assert PendingAuthorization.objects.count() == authorization.MAX_FLOWS
        kept = {flow.flow["state"] for flow in PendingAuthorization.objects.all()}
        assert kept == set(states[-authorization.MAX_FLOWS:])


class TestLifetime:
    def test_a_flow_older_than_ten_minutes_is_refused_and_purged(self, session_client, peer):
        connector = oauth2_connector(peer)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(session_client, connector)))
        PendingAuthorization.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10, seconds=1))
        session_client.get(callback)
        assert not Connection.objects.exists() and not PendingAuthorization.objects.exists()

    def test_a_flow_younger_than_ten_minutes_goes_through(self, session_client, peer):
        connector = oauth2_connector(peer)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(session_client, connector)))
        PendingAuthorization.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=9))
        session_client.get(callback)
        assert Connection.objects.get().status == Connection.Status.CONNECTED

    def test_beginning_a_flow_purges_everybodys_expired_flows(self, session_client, make_user, peer):
        connector = oauth2_connector(peer)
        start_authorization(signed_in(make_user("alice")), connector)
        PendingAuthorization.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=11))
        start_authorization(session_client, connector)
        assert PendingAuthorization.objects.count() == 1

    def test_a_flow_no_key_decrypts_is_refused(self, session_client, peer):
        connector = oauth2_connector(peer)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(session_client, connector)))
        with db.cursor() as cursor:  # as after its key was removed from CONNECTORS_ENCRYPTION_KEYS
            cursor.execute(f"UPDATE {PendingAuthorization._meta.db_table} SET flow = %s", ["gAAAAA-not-a-token"])
        response = session_client.get(callback)
        assert response["Location"] == try_again_url(connector) and not Connection.objects.exists()


def test_a_connection_deleted_while_reauthorizing_is_no_500(session_client, end_user, peer):
    connector = oauth2_connector(peer)
    session_client.get(callback_from(approve_oauth2_consent(peer, start_authorization(session_client, connector))))
    connection = Connection.objects.get()
    response = session_client.post(reverse("connections:reauthorize", args=[connection.link_name]), {"scopes": ["read"]})
    callback = callback_from(approve_oauth2_consent(peer, response["Location"]))
    assert session_client.post(reverse("connections:delete", args=[connection.link_name])).status_code == 302
    response = session_client.get(callback)
    # The connection being reauthorized is gone: the user is offered to add a new one.
    assert response.status_code == 302 and response["Location"] == try_again_url(connector)
    assert not Connection.objects.exists()
