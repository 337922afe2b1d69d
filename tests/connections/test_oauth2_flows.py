"""OAuth2 connections end to end against django-oauth-toolkit: authorize, call, refresh, revoke."""

import datetime
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from connections import services
from connections.models import Connection, ConnectionEvent
from tests.connections.oauth_helpers import (authorize_oauth2, callback_from, oauth2_connector, query,
                                             start_authorization)
from tests.peers.oauth_fixtures import approve_oauth2_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer(oauth2_provider):
    oauth2_provider.set_access_token_ttl(3600)
    oauth2_provider.reset_counts()
    return oauth2_provider


def token_requests(peer):
    return peer.counts().get("/o/token/", 0)


class TestAuthorizationCode:
    def test_round_trip_with_pkce_and_chosen_scopes(self, user_client, peer):
        connector = oauth2_connector(peer)
        page = user_client.get(reverse("connections:add", args=[connector.pk])).content.decode()
        assert page.count('checked') >= 2 and "Read access" in page  # every scope checked by default

        provider_url = start_authorization(user_client, connector, scopes=["read"])
        params = query(provider_url)
        assert provider_url.startswith(peer.authorize_url)
        assert params["code_challenge_method"] == "S256" and len(params["state"]) >= 32
        assert params["scope"] == "read" and params["redirect_uri"].endswith(connector.callback_path())

        response = user_client.get(callback_from(approve_oauth2_consent(peer, provider_url)))
        connection = Connection.objects.get()
        assert response.status_code == 302 and response["Location"] == connection.get_absolute_url()
        assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "no-referrer"
        assert connection.status == Connection.Status.CONNECTED and connection.granted_scopes == "read"
        assert connection.token_expires_at > timezone.now() + datetime.timedelta(minutes=50)

        me = services.connection_request(connection, "GET", peer.resource_url)
        assert me.status_code == 200 and me.json()["user"] == peer.username
        assert list(connection.events.values_list("action", flat=True))[-2:] == ["authorized", "created"]

    def test_verifier_never_leaves_the_server(self, user_client, peer):
        connector = oauth2_connector(peer)
        provider_url = start_authorization(user_client, connector)
        session = user_client.session
        flow = next(iter(session["connection_authorizations"].values()))["flow"]
        verifier = flow["code_verifier"]
        assert verifier not in provider_url
        assert all(verifier not in cookie.value for cookie in user_client.cookies.values())
        response = user_client.get(callback_from(approve_oauth2_consent(peer, provider_url)), follow=True)
        assert verifier not in response.content.decode()
        assert all(verifier not in cookie.value for cookie in user_client.cookies.values())

    def test_body_client_authentication_and_no_pkce(self, user_client, peer):
        connector = oauth2_connector(peer, client_auth="client_secret_post", pkce=False)
        provider_url = start_authorization(user_client, connector)
        assert "code_challenge" not in query(provider_url)
        authorize_oauth2_response = user_client.get(callback_from(approve_oauth2_consent(peer, provider_url)))
        assert authorize_oauth2_response.status_code == 302
        assert Connection.objects.get().status == Connection.Status.CONNECTED

    def test_denial_is_shown_and_nothing_saved(self, user_client, peer):
        connector = oauth2_connector(peer)
        response = authorize_oauth2(user_client, peer, connector, allow=False)
        page = user_client.get(response["Location"]).content.decode()
        assert "declined" in page.lower() or "denied" in page.lower()
        assert not Connection.objects.exists() and token_requests(peer) == 0


class TestState:
    def callback(self, client, connector, **params):
        from urllib.parse import urlencode

        return client.get(f"{connector.callback_path()}?{urlencode(params)}")

    @pytest.mark.parametrize("state", [None, "wrong-state"])
    def test_missing_or_wrong_state_is_refused(self, user_client, peer, state):
        connector = oauth2_connector(peer)
        provider_url = start_authorization(user_client, connector)
        code = query(approve_oauth2_consent(peer, provider_url))["code"]
        params = {"code": code, **({"state": state} if state else {})}
        response = self.callback(user_client, connector, **params)
        assert response.status_code == 302 and response["Location"] == reverse("microservices")
        assert "unknown, expired or already used" in user_client.get(response["Location"]).content.decode()
        assert not Connection.objects.exists() and token_requests(peer) == 0

    def test_replayed_state_is_refused(self, user_client, peer):
        connector = oauth2_connector(peer)
        provider_url = start_authorization(user_client, connector)
        callback = callback_from(approve_oauth2_consent(peer, provider_url))
        assert user_client.get(callback).status_code == 302
        peer.reset_counts()
        user_client.get(callback)
        assert Connection.objects.count() == 1 and token_requests(peer) == 0

    def test_state_from_another_session_is_refused(self, client, user_client, peer, make_user):
        connector = oauth2_connector(peer)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(user_client, connector)))
        client.force_login(make_user("mallory"))
        client.get(callback)
        assert not Connection.objects.exists() and token_requests(peer) == 0

    def test_state_of_another_connectors_flow_is_refused(self, user_client, peer):
        first = oauth2_connector(peer, name="First")
        second = oauth2_connector(peer, name="Second")
        params = query(callback_from(approve_oauth2_consent(peer, start_authorization(user_client, first))))
        self.callback(user_client, second, **params)
        assert not Connection.objects.exists() and token_requests(peer) == 0

    def test_expired_flow_is_refused(self, user_client, peer, monkeypatch):
        connector = oauth2_connector(peer)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(user_client, connector)))
        import connections.authorization as authorization

        real_time = authorization.time.time
        monkeypatch.setattr(authorization.time, "time", lambda: real_time() + 11 * 60)
        user_client.get(callback)
        assert not Connection.objects.exists() and token_requests(peer) == 0


class TestClientCredentials:
    def test_token_fetched_on_save_and_again_when_expired(self, user_client, peer):
        connector = oauth2_connector(peer, grant="client_credentials", name="Machine")
        response = user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Robot",
                                                                                       "scopes": ["read"]})
        connection = Connection.objects.get()
        assert response.status_code == 302 and connection.status == Connection.Status.CONNECTED
        assert services.connection_request(connection, "GET", peer.resource_url).status_code == 200
        assert token_requests(peer) == 1

        Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
        connection.refresh_from_db()
        assert services.connection_request(connection, "GET", peer.resource_url).status_code == 200
        assert token_requests(peer) == 2


class TestKeepingItWorking:
    def connected(self, user_client, peer, **kwargs):
        connector = oauth2_connector(peer, **kwargs)
        authorize_oauth2(user_client, peer, connector)
        return Connection.objects.get()

    def test_refreshes_before_expiry_with_rotation(self, user_client, peer):
        connection = self.connected(user_client, peer)
        old_refresh = connection.secrets["refresh_token"]
        Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now() + datetime.timedelta(seconds=30))
        connection.refresh_from_db()
        assert services.connection_request(connection, "GET", peer.resource_url).status_code == 200
        connection.refresh_from_db()
        assert connection.secrets["refresh_token"] != old_refresh
        assert connection.events.filter(action=ConnectionEvent.Action.REFRESHED).count() == 1

    def test_401_refreshes_once_and_retries_once(self, user_client, peer):
        connection = self.connected(user_client, peer)
        peer.expire_access_tokens()
        peer.reset_counts()
        assert services.connection_request(connection, "GET", peer.resource_url).status_code == 200
        assert token_requests(peer) == 1 and peer.counts().get("/api/me/") == 2

    def test_invalid_grant_needs_reauthorization_and_stops_token_calls(self, user_client, peer):
        connection = self.connected(user_client, peer)
        secrets = {**connection.secrets, "refresh_token": "not-a-valid-refresh-token"}
        Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
        connection.refresh_from_db()
        connection.secrets = secrets
        connection.save()
        with pytest.raises(services.ConnectionNeedsReauthorization):
            services.connection_request(connection, "GET", peer.resource_url)
        connection.refresh_from_db()
        assert connection.status == Connection.Status.NEEDS_REAUTHORIZATION
        peer.reset_counts()
        with pytest.raises(services.ConnectionNeedsReauthorization):
            services.connection_request(connection, "GET", peer.resource_url)
        assert token_requests(peer) == 0
        page = user_client.get(connection.get_absolute_url()).content.decode()
        assert "Reauthorize" in page and "Needs reauthorization" in page

    def test_reauthorize_restores_the_connection(self, user_client, peer):
        connection = self.connected(user_client, peer)
        Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.NEEDS_REAUTHORIZATION)
        response = user_client.post(reverse("connections:reauthorize", args=[connection.link_name]),
                                    {"scopes": ["read", "write"]})
        user_client.get(callback_from(approve_oauth2_consent(peer, response["Location"])))
        connection.refresh_from_db()
        assert connection.status == Connection.Status.CONNECTED and Connection.objects.count() == 1

    def test_refresh_now_and_command(self, user_client, peer):
        connection = self.connected(user_client, peer)
        user_client.post(reverse("connections:refresh", args=[connection.link_name]))
        assert connection.events.filter(action=ConnectionEvent.Action.REFRESHED).count() == 1
        out = StringIO()
        call_command("refresh_connections", "--within", "7200", stdout=out)
        assert f"{connection.link_name}: refreshed" in out.getvalue()
        out = StringIO()
        call_command("refresh_connections", "--within", "60", stdout=out)
        assert "0 refreshed" in out.getvalue()

    def test_disconnect_revokes_at_the_provider(self, user_client, peer):
        connection = self.connected(user_client, peer)
        access_token = connection.secrets["access_token"]
        user_client.post(reverse("connections:disconnect", args=[connection.link_name]))
        connection.refresh_from_db()
        assert connection.status == Connection.Status.REVOKED and connection.secrets == {}
        assert peer.counts().get("/o/revoke_token/") == 1
        bearer = requests.get(peer.resource_url, headers={"Authorization": f"Bearer {access_token}"}, timeout=5)
        assert bearer.status_code == 401
        assert connection.events.filter(action=ConnectionEvent.Action.REVOKED).exists()


class TestTokenEndpointFaults:
    def connected_with(self, user_client, peer, fault, **query_args):
        connection = TestKeepingItWorking().connected(user_client, peer)
        connector = connection.connector
        connector.config = {**connector.config, "refresh_url": peer.fault_url(fault, **query_args)}
        connector.save()
        Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
        return Connection.objects.select_related("connector").get(pk=connection.pk)

    @pytest.mark.parametrize("fault,args", [("token-500", {}), ("token-garbage", {})])
    def test_retryable_faults_leave_the_status(self, user_client, peer, fault, args):
        connection = self.connected_with(user_client, peer, fault, **args)
        with pytest.raises(services.TokenRefreshFailed, match="try again later"):
            services.connection_request(connection, "GET", peer.resource_url)
        connection.refresh_from_db()
        assert connection.status == Connection.Status.CONNECTED

    def test_invalid_grant_fault(self, user_client, peer):
        connection = self.connected_with(user_client, peer, "invalid-grant")
        with pytest.raises(services.ConnectionNeedsReauthorization):
            services.connection_request(connection, "GET", peer.resource_url)


class TestIssuer:
    def test_mismatched_iss_is_refused(self, user_client, peer):
        connector = oauth2_connector(peer)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(user_client, connector)))
        user_client.get(f"{callback}&iss=https%3A%2F%2Fevil.example")
        assert not Connection.objects.exists() and token_requests(peer) == 0

    def test_iss_of_the_authorization_server_is_accepted(self, user_client, peer):
        connector = oauth2_connector(peer)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(user_client, connector)))
        user_client.get(f"{callback}&iss={peer.base_url}")
        assert Connection.objects.get().status == Connection.Status.CONNECTED

    def test_configured_issuer_is_required_when_the_server_always_sends_it(self, user_client, peer):
        connector = oauth2_connector(peer, issuer=peer.base_url + "/o", require_iss=True)
        callback = callback_from(approve_oauth2_consent(peer, start_authorization(user_client, connector)))
        user_client.get(callback)
        assert not Connection.objects.exists() and token_requests(peer) == 0


class TestStatusIsKept:
    def test_a_test_does_not_turn_needs_reauthorization_into_failing(self, user_client, peer):
        connection = TestKeepingItWorking().connected(user_client, peer)
        Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.NEEDS_REAUTHORIZATION)
        peer.reset_counts()
        user_client.post(reverse("connections:test", args=[connection.link_name]))
        connection.refresh_from_db()
        assert connection.status == Connection.Status.NEEDS_REAUTHORIZATION and token_requests(peer) == 0

    def test_refresh_now_after_disconnect_makes_no_token_request(self, user_client, peer):
        connector = oauth2_connector(peer, grant="client_credentials", name="Machine")
        user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Robot"})
        connection = Connection.objects.get()
        user_client.post(reverse("connections:disconnect", args=[connection.link_name]))
        peer.reset_counts()
        user_client.post(reverse("connections:refresh", args=[connection.link_name]))
        connection.refresh_from_db()
        assert connection.status == Connection.Status.REVOKED and token_requests(peer) == 0

    def test_the_command_skips_a_token_refreshed_meanwhile(self, user_client, peer):
        connection = TestKeepingItWorking().connected(user_client, peer)
        peer.reset_counts()
        out = StringIO()
        # Expiring within two hours: refreshed once; the new token (an hour) is not refreshed again
        # by a run that looks only at the next minute.
        call_command("refresh_connections", "--within", "7200", stdout=out)
        call_command("refresh_connections", "--within", "60", stdout=out)
        assert token_requests(peer) == 1


class TestAuthorizeFormRefusals:
    def test_empty_name_is_refused_and_nothing_starts(self, user_client, peer):
        connector = oauth2_connector(peer)
        response = user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "", "scopes": ["read"]})
        assert response.status_code == 400 and "This field is required" in response.content.decode()
        assert "connection_authorizations" not in user_client.session and peer.counts().get("/o/authorize/", 0) == 0

    def test_unknown_scope_is_refused(self, user_client, peer):
        connector = oauth2_connector(peer)
        response = user_client.post(reverse("connections:add", args=[connector.pk]),
                                    {"name": "Mine", "scopes": ["admin"]})
        assert response.status_code == 400 and "not one of the available choices" in response.content.decode()

    def test_client_credentials_failure_is_shown_and_nothing_saved(self, user_client, peer):
        connector = oauth2_connector(peer, grant="client_credentials", name="Machine")
        connector.secrets = {"client_secret": "wrong-secret"}
        connector.save()
        response = user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Robot"})
        assert response.status_code == 400 and not Connection.objects.exists()
        assert "Client" in response.content.decode()
