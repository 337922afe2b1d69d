"""Health checks (issue 10 item 2): results recorded, health worked out, checks spread over the interval."""

import collections
import datetime

import pytest
from django.utils import timezone

from connections import services as connection_services
from connections.models import Connection
from health import services, tasks
from health.models import ConnectionHealth, HealthCheck, HealthPolicy
from tests.connections.oauth_helpers import authorize_oauth2, oauth2_connector

pytestmark = pytest.mark.django_db
Health, Outcome = services.Health, HealthCheck.Outcome


@pytest.fixture
def changes():
    seen = []

    def receiver(sender, connection, before, after, **kwargs):
        seen.append((connection.pk, before, after))

    services.health_changed.connect(receiver)
    yield seen
    services.health_changed.disconnect(receiver)


def test_a_passing_check_records_its_status_and_latency(checked_connection):
    connection = checked_connection("/bearer")
    result = services.check(connection)
    assert result.outcome == Outcome.OK and result.status_code == 200 and result.latency_ms is not None
    assert services.health_of(connection) == Health.CONNECTED
    assert connection.health.last_checked_at == result.checked_at


@pytest.mark.parametrize("path", ["/bearer", "/status/503"])
def test_a_check_is_recorded_as_a_check_not_as_a_use_of_the_connection(checked_connection, path):
    connection = checked_connection(path)
    before = Connection.objects.get(pk=connection.pk)
    events = list(connection.events.values_list("action", "detail"))
    services.check(connection)
    after = Connection.objects.get(pk=connection.pk)
    assert (after.last_used_at, after.last_status, after.last_error) == (
        before.last_used_at, before.last_status, before.last_error)
    assert list(connection.events.values_list("action", "detail")) == events
    assert HealthCheck.objects.filter(connection=connection).count() == 1

    connection_services.connection_request(connection, "GET", "/bearer")  # an API call still is one
    after = Connection.objects.get(pk=connection.pk)
    assert after.last_used_at is not None and after.last_used_at != before.last_used_at
    assert connection.events.filter(action="used", detail__endswith="/bearer → 200").exists()


def test_a_check_that_cannot_reach_the_server_is_not_a_use_either(checked_connection):
    connection = checked_connection()
    connection.connector.test_url = "http://127.0.0.1:9/nothing-listens"
    connection.connector.api_origins = ["http://127.0.0.1:9"]
    connection.connector.save()
    services.check(connection)
    after = Connection.objects.get(pk=connection.pk)
    assert after.last_used_at is None and after.last_error == ""
    assert not connection.events.filter(action="used").exists()


def test_failing_checks_make_it_degraded_until_one_passes(checked_connection, httpbin_url, changes):
    connection = checked_connection("/status/503")
    first = services.check(connection)
    assert first.outcome == Outcome.FAILED and first.status_code == 503 and first.error == "HTTP 503 SERVICE UNAVAILABLE"
    services.check(connection)
    connection.refresh_from_db()
    assert services.health_of(connection) == Health.DEGRADED
    assert connection.health.failing_since == first.checked_at  # since the first failure of the run

    connection.connector.test_url = f"{httpbin_url}/bearer"
    connection.connector.save()
    services.check(connection)
    assert services.health_of(connection) == Health.CONNECTED and connection.health.failing_since is None
    assert changes == [(connection.pk, Health.CONNECTED, Health.DEGRADED),
                       (connection.pk, Health.DEGRADED, Health.CONNECTED)]


def test_a_server_that_does_not_answer_is_a_failed_check(checked_connection, settings):
    connection = checked_connection("/delay/5")
    connection.connector.test_url = "http://127.0.0.1:9/nothing-listens"
    connection.connector.api_origins = ["http://127.0.0.1:9"]
    connection.connector.save()
    result = services.check(connection)
    assert result.outcome == Outcome.FAILED and result.status_code is None and result.error
    assert services.health_of(connection) == Health.DEGRADED


def test_health_states_of_disabled_revoked_and_needing_reauthorization(checked_connection):
    connection = checked_connection()
    services.check(connection)
    connection.status = Connection.Status.NEEDS_REAUTHORIZATION
    assert services.health_of(connection) == Health.NEEDS_REAUTHORIZATION
    connection.status = Connection.Status.REVOKED
    assert services.health_of(connection) == Health.REVOKED
    connection.enabled = False
    assert services.health_of(connection) == Health.DISABLED


def test_a_rejected_token_that_cannot_be_refreshed_needs_reauthorization(client, make_user, oauth2_provider):
    user = make_user("oauth-owner")
    client.force_login(user)
    connector = oauth2_connector(oauth2_provider, name="Checked OAuth", test_url=oauth2_provider.resource_url)
    connector.test_url = oauth2_provider.resource_url
    connector.config = {**connector.config, "refresh_url": oauth2_provider.fault_url("invalid-grant")}
    connector.save()
    authorize_oauth2(client, oauth2_provider, connector)
    connection = Connection.objects.select_related("connector").get(owner=user)
    assert services.check(connection).outcome == Outcome.OK
    oauth2_provider.expire_access_tokens()
    oauth2_provider.reset_counts()

    result = services.check(connection)
    assert result.outcome == Outcome.REAUTHORIZE and result.status_code is None
    assert oauth2_provider.counts().get("/faults/invalid-grant/", 0) == 1
    assert services.health_of(connection) == Health.NEEDS_REAUTHORIZATION


def test_an_expired_token_is_refreshed_by_the_check_and_the_check_passes(client, make_user, oauth2_provider):
    user = make_user("oauth-owner-2")
    client.force_login(user)
    connector = oauth2_connector(oauth2_provider, name="Checked OAuth 2")
    connector.test_url = oauth2_provider.resource_url
    connector.save()
    authorize_oauth2(client, oauth2_provider, connector)
    connection = Connection.objects.select_related("connector").get(owner=user)
    oauth2_provider.expire_access_tokens()
    oauth2_provider.reset_counts()

    assert services.check(connection).outcome == Outcome.OK
    assert oauth2_provider.counts().get("/o/token/", 0) == 1
    assert services.health_of(connection) == Health.CONNECTED


def test_checks_are_spread_over_the_interval(checked_connection, end_user):
    first = checked_connection()
    connector = first.connector
    for index in range(119):
        connection_services.connection_create(connector=connector, owner=end_user, name=f"More {index}",
                                              secrets={"token": "tok-123456"})
    now = datetime.datetime(2026, 11, 30, 12, 0, 30, tzinfo=datetime.timezone.utc)
    assert services.due_checks(now) == []  # placed in the schedule, none due at once
    minutes = collections.Counter(record.next_check_at.replace(second=0) for record in ConnectionHealth.objects.all())
    assert len(minutes) >= 59 and max(minutes.values()) <= 3  # 120 checks over an hour, never a crowd
    assert all(now < record.next_check_at <= now + datetime.timedelta(hours=1)
               for record in ConnectionHealth.objects.all())

    checked = [len(services.due_checks(now + datetime.timedelta(minutes=minute))) for minute in range(1, 61)]
    assert sum(checked) == 120 and max(checked) <= 3
    # Each comes back an interval later, in the same slot.
    assert services.due_checks(now + datetime.timedelta(minutes=60)) == []
    assert sum(len(services.due_checks(now + datetime.timedelta(minutes=60 + minute))) for minute in range(1, 61)) == 120


def test_a_connector_interval_and_checks_turned_off(checked_connection):
    connection = checked_connection()
    HealthPolicy.objects.create(connector=connection.connector, interval_minutes=0)
    now = timezone.now()
    services.due_checks(now)
    assert not ConnectionHealth.objects.exists()

    HealthPolicy.objects.filter(connector=connection.connector).update(interval_minutes=5)
    services.due_checks(now)
    record = ConnectionHealth.objects.get()
    assert now < record.next_check_at <= now + datetime.timedelta(minutes=5)


def test_a_connector_without_test_request_is_not_checked(checked_connection):
    connection = checked_connection()
    connection.connector.test_url = ""
    connection.connector.save()
    services.due_checks(timezone.now())
    assert not ConnectionHealth.objects.exists()


def test_disabled_and_revoked_connections_are_not_checked(checked_connection):
    disabled, revoked = checked_connection(), checked_connection()
    Connection.objects.filter(pk=disabled.pk).update(enabled=False)
    Connection.objects.filter(pk=revoked.pk).update(status=Connection.Status.REVOKED)
    services.due_checks(timezone.now())
    assert not ConnectionHealth.objects.exists()


def test_after_an_outage_overdue_checks_go_back_to_their_slots(checked_connection, end_user):
    first = checked_connection()
    for index in range(59):
        connection_services.connection_create(connector=first.connector, owner=end_user, name=f"More {index}",
                                              secrets={"token": "tok-123456"})
    now = timezone.now()
    services.due_checks(now)
    later = now + datetime.timedelta(hours=5)  # no consumer for five hours
    due_now = services.due_checks(later)
    assert len(due_now) == 60  # all overdue once
    assert all(later < record.next_check_at <= later + datetime.timedelta(hours=1)
               for record in ConnectionHealth.objects.all())
    minutes = collections.Counter(record.next_check_at.replace(second=0, microsecond=0)
                                  for record in ConnectionHealth.objects.all())
    assert max(minutes.values()) <= 2  # back to their own places, not all at once again


def test_the_periodic_job_checks_the_due_connections(checked_connection):
    connection = checked_connection()
    services.due_checks(timezone.now())
    ConnectionHealth.objects.update(next_check_at=timezone.now() - datetime.timedelta(seconds=1))
    assert tasks.schedule_health_checks.call_local() == "1 checks"
    assert HealthCheck.objects.filter(connection=connection, outcome=Outcome.OK).count() == 1


def test_a_secret_in_an_error_is_masked(checked_connection, httpbin_url):
    connection = checked_connection("/status/503")
    connection.connector.test_url = f"{httpbin_url}/status/503?echo=tok-123456"
    connection.connector.save()
    result = services.check(connection)
    assert "tok-123456" not in result.error
