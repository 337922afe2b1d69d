"""Proactive refresh (issue 10 item 1) against the real OAuth2 provider, token requests counted there.

The periodic job runs in this process (Huey's immediate mode): it enqueues one task per connection,
which runs at once; tests/jobs/test_queue.py runs the same through real consumers.
"""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from connections import services
from connections.models import Connection, ConnectionEvent
from jobs import tasks
from tests.connections.oauth_helpers import oauth2_connector

pytestmark = pytest.mark.django_db
TOKEN_PATH = "/o/token/"
Action = ConnectionEvent.Action


def token_requests(peer):
    return peer.counts().get(TOKEN_PATH, 0)


def test_a_token_due_within_the_window_is_refreshed_once_and_one_due_later_is_left(oauth2_connection,
                                                                                   oauth2_provider):
    due = oauth2_connection(expires_in=300, name="Due soon", username="due")
    later = oauth2_connection(expires_in=7200, name="Due later", username="later")
    due_token, later_token = due.secrets["access_token"], later.secrets["access_token"]
    old_refresh_token = due.secrets["refresh_token"]

    assert tasks.proactive_refresh.call_local() == "1 due"
    assert token_requests(oauth2_provider) == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.secrets["access_token"] != due_token and later.secrets["access_token"] == later_token
    assert due.secrets["refresh_token"] != old_refresh_token  # the provider rotates them: the new one is kept
    assert due.token_expires_at > timezone.now() + datetime.timedelta(minutes=30)
    assert due.events.filter(action=Action.REFRESHED).count() == 1

    # The next minute: nothing is due any more, no token request.
    tasks.proactive_refresh.call_local(tick=(timezone.now() + datetime.timedelta(minutes=1)).isoformat())
    assert token_requests(oauth2_provider) == 1
    # The refreshed token works at the provider's API.
    assert services.connection_request(due, "GET", oauth2_provider.resource_url).status_code == 200


def test_the_window_is_a_setting(oauth2_connection, oauth2_provider, settings):
    settings.CONNECTORS_REFRESH_WINDOW = 60
    oauth2_connection(expires_in=300)
    assert tasks.proactive_refresh.call_local() == "0 due"
    assert token_requests(oauth2_provider) == 0


def test_a_client_credentials_token_is_fetched_again(make_user, oauth2_provider):
    connector = oauth2_connector(oauth2_provider, name="Machine", grant="client_credentials", scopes=("read",))
    connection = services.connection_create(connector=connector, owner=make_user("machine-owner"), name="Machine",
                                            secrets=connector.kind.fetch_token(connector.kind_config,
                                                                               connector.secrets, scopes=["read"]))
    Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now() + datetime.timedelta(minutes=2))
    before = connection.secrets["access_token"]
    oauth2_provider.reset_counts()

    tasks.proactive_refresh.call_local()
    connection.refresh_from_db()
    assert token_requests(oauth2_provider) == 1
    assert connection.secrets["access_token"] != before and "refresh_token" not in connection.secrets


def test_a_refresh_token_unused_for_days_is_exercised(oauth2_connection, oauth2_provider, settings):
    settings.CONNECTORS_REFRESH_EXERCISE_DAYS = 7
    connection = oauth2_connection(expires_in=7200)
    recent = oauth2_connection(expires_in=7200, name="Recent", username="recent")
    connection.events.update(at=timezone.now() - datetime.timedelta(days=8))
    old_refresh_token = connection.secrets["refresh_token"]

    assert tasks.proactive_refresh.call_local() == "0 due"
    assert tasks.exercise_refresh_tokens.call_local() == "1 exercised"
    assert token_requests(oauth2_provider) == 1
    connection.refresh_from_db()
    assert connection.secrets["refresh_token"] != old_refresh_token
    assert recent.events.filter(action=Action.REFRESHED).count() == 0

    # Exercised: not again before another 7 days.
    tasks.exercise_refresh_tokens.call_local(tick=(timezone.now() + datetime.timedelta(days=1)).isoformat())
    assert token_requests(oauth2_provider) == 1


def test_exercising_refresh_tokens_can_be_turned_off(oauth2_connection, oauth2_provider, settings):
    settings.CONNECTORS_REFRESH_EXERCISE_DAYS = 0
    connection = oauth2_connection(expires_in=7200)
    connection.events.update(at=timezone.now() - datetime.timedelta(days=80))
    assert tasks.exercise_refresh_tokens.call_local() == "0 exercised"
    assert token_requests(oauth2_provider) == 0


def test_a_refused_refresh_marks_the_connection_and_stops_token_requests(oauth2_connection, oauth2_provider):
    connection = oauth2_connection(expires_in=300)
    connector = connection.connector
    connector.config = {**connector.config, "refresh_url": oauth2_provider.fault_url("invalid-grant")}
    connector.save()

    tasks.proactive_refresh.call_local()
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_REAUTHORIZATION
    assert oauth2_provider.counts().get("/faults/invalid-grant/", 0) == 1
    # Needs reauthorization: left alone from now on.
    tasks.proactive_refresh.call_local(tick=(timezone.now() + datetime.timedelta(minutes=1)).isoformat())
    assert oauth2_provider.counts().get("/faults/invalid-grant/", 0) == 1


def test_a_failing_token_endpoint_is_tried_again_after_the_back_off(oauth2_connection, oauth2_provider):
    connection = oauth2_connection(expires_in=300)
    connector = connection.connector
    connector.config = {**connector.config, "refresh_url": oauth2_provider.fault_url("token-500")}
    connector.save()

    tasks.proactive_refresh.call_local()
    tasks.proactive_refresh.call_local(tick=(timezone.now() + datetime.timedelta(minutes=1)).isoformat())
    assert oauth2_provider.counts().get("/faults/token-500/", 0) == 1  # the back-off holds the second
    connection.refresh_from_db()
    assert connection.status == Connection.Status.CONNECTED and connection.token_failed_at is not None
    Connection.objects.filter(pk=connection.pk).update(token_failed_at=timezone.now() - datetime.timedelta(minutes=1))
    tasks.proactive_refresh.call_local(tick=(timezone.now() + datetime.timedelta(minutes=2)).isoformat())
    assert oauth2_provider.counts().get("/faults/token-500/", 0) == 2


def test_the_cron_command_reports_each_connection(oauth2_connection, oauth2_provider):
    connection = oauth2_connection(expires_in=300)
    out = StringIO()
    call_command("refresh_connections", "--within", "600", stdout=out)
    assert f"{connection.link_name}: refreshed" in out.getvalue()
    assert "1 refreshed, 0 needs reauthorization, 0 failed, 0 skipped" in out.getvalue()
    assert token_requests(oauth2_provider) == 1
