"""Signed webhooks (issue 10 item 4) delivered to real receivers on loopback that verify every signature
with the standardwebhooks library; retries with back-off; the attempt log; Send test event and Redeliver."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from builder.services import connector_mark_ready
from connections import services as connection_services
from connections.models import Connection
from health import services as health
from webhooks import services, tasks
from webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint
from tests.webhooks.receiver import Receiver, Silent

pytestmark = pytest.mark.django_db(transaction=True)  # deliveries are sent once the transaction commits
ALL_EVENTS = [name for name, _ in EVENT_TYPES]


@pytest.fixture
def receiver():
    started = []

    def make(**kwargs):
        server = Receiver(**kwargs).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


def register(server, events=ALL_EVENTS):
    endpoint, secret = services.endpoint_create(url=server.url, event_types=events)
    server.secret = secret
    return endpoint


def later(minutes):
    return timezone.now() + datetime.timedelta(minutes=minutes, seconds=1)


def retry_until_settled(delivery):
    """Run the retry job at each next attempt time (as the clock would); return the delivery settled."""
    for _ in range(10):
        delivery.refresh_from_db()
        if delivery.status != WebhookDelivery.Status.PENDING:
            return delivery
        for pk in services.due(delivery.next_attempt_at):
            claimed = services.claim(pk, delivery.next_attempt_at)
            if claimed:
                services.attempt(claimed)
    raise AssertionError("the delivery never settled")


@pytest.fixture
def connection(make_connector, end_user, httpbin_url):
    from tests.connections.conftest import BEARER_CONFIG

    connector = make_connector("Hooked", auth_type="bearer", config=BEARER_CONFIG, stage="ready",
                               test_url=f"{httpbin_url}/bearer", base_url=httpbin_url)
    return lambda: connection_services.connection_create(connector=connector, owner=end_user, name="Hooked one",
                                                         secrets={"token": "tok-SECRET-424242"})


def test_a_connection_created_is_delivered_signed_and_without_secrets(receiver, connection):
    server = receiver()
    endpoint = register(server)
    made = connection()

    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and delivery.attempt_count == 1
    assert server.refused == []
    (received,) = server.received
    assert received["payload"]["type"] == "connection.created"
    assert received["payload"]["data"]["connection"] == {
        "id": made.pk, "link_name": made.link_name, "name": "Hooked one", "status": "connected", "enabled": True,
        "health": "connected", "owner": "enduser"}
    assert received["headers"]["webhook-id"] == delivery.message_id
    assert re.fullmatch(r"v1,[A-Za-z0-9+/=]+", received["headers"]["webhook-signature"])
    assert "tok-SECRET" not in json.dumps(received) and endpoint.signing_secret() not in json.dumps(received)


def test_only_the_events_an_endpoint_asked_for(receiver, connection):
    deleted_only = receiver()
    register(deleted_only, ["connection.deleted"])
    made = connection()
    assert deleted_only.received == []
    connection_services.connection_delete(connection=made, user=None)
    assert [item["payload"]["type"] for item in deleted_only.received] == ["connection.deleted"]


def test_a_receiver_failing_four_times_gets_it_on_the_fifth_attempt(receiver, connection):
    server = receiver(fail_first=4)
    register(server, ["connection.created"])
    connection()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempt_count == 1
    first_retry = delivery.next_attempt_at - delivery.attempts.get().attempted_at
    assert datetime.timedelta(seconds=59) < first_retry <= datetime.timedelta(seconds=61)

    delivery = retry_until_settled(delivery)
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and delivery.attempt_count == 5
    attempts = list(delivery.attempts.values_list("status_code", "succeeded"))
    assert attempts == [(500, False)] * 4 + [(204, True)]
    assert len(server.received) == 1 and server.requests == 5 and server.refused == []
    # Each retry waited twice as long as the one before: 1, 2, 4, 8 minutes.
    times = [attempt.attempted_at for attempt in delivery.attempts.all()]
    assert len(times) == 5


def test_the_retry_schedule_is_at_least_five_attempts_over_about_an_hour():
    waits = [delay.total_seconds() / 60 for delay in services.RETRY_DELAYS]
    assert waits == [1, 2, 4, 8, 16, 32]
    assert len(waits) + 1 >= 5 and 55 <= sum(waits) <= 70


def test_a_receiver_that_never_answers_fails_after_every_attempt(connection, settings):
    settings.CONNECTORS_WEBHOOK_TIMEOUT = (1.0, 0.5)
    silent = Silent()
    try:
        endpoint, _ = services.endpoint_create(url=silent.url, event_types=["connection.created"])
        connection()
        delivery = retry_until_settled(WebhookDelivery.objects.get())
    finally:
        silent.stop()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempt_count == 1 + len(services.RETRY_DELAYS) == silent.accepted
    assert all(not attempt.succeeded and attempt.status_code is None and "in time" in attempt.error
               for attempt in delivery.attempts.all())


def test_a_wrong_secret_is_refused_by_the_receiver(receiver, connection):
    server = receiver()
    register(server, ["connection.created"])
    server.secret = services.new_secret()  # the subscriber holds another secret
    connection()
    delivery = WebhookDelivery.objects.get()
    assert server.refused and server.received == []
    assert delivery.attempts.get().status_code == 401


def test_the_guard_applies_to_webhook_urls(connection, settings):
    settings.CONNECTORS_ALLOW_PRIVATE_NETWORKS = False
    services.endpoint_create(url="http://127.0.0.1:9/hooks", event_types=["connection.created"])
    connection()
    attempt = WebhookDelivery.objects.get().attempts.get()
    assert not attempt.succeeded and attempt.status_code is None and "127.0.0.1" in attempt.error


def test_lifecycle_events(receiver, connection, oauth2_provider, client, make_user, builder_user, make_connector):
    from tests.connections.oauth_helpers import authorize_oauth2, oauth2_connector

    server = receiver()
    register(server)
    user = make_user("hooked-oauth")
    client.force_login(user)
    connector = oauth2_connector(oauth2_provider, name="Hooked OAuth")
    connector.config = {**connector.config, "refresh_url": oauth2_provider.fault_url("invalid-grant")}
    connector.save()
    authorize_oauth2(client, oauth2_provider, connector)
    made = Connection.objects.get(owner=user)
    Connection.objects.filter(pk=made.pk).update(token_expires_at=timezone.now())
    made.refresh_from_db()
    with pytest.raises(connection_services.ConnectionNeedsReauthorization):
        connection_services.connection_request(made, "GET", oauth2_provider.resource_url)

    draft = make_connector("Soon ready", auth_type="bearer",
                           config={"location": "header", "parameter_name": "Token", "parameter_key": "Authorization",
                                   "token_prefix": "Bearer"}, base_url="https://api.example.com")
    connector_mark_ready(connector=draft, user=builder_user)

    types = [item["payload"]["type"] for item in server.received]
    assert types[:2] == ["connection.created", "connection.authorized"]
    assert "connection.refresh_failed" in types and "connection.needs_reauthorization" in types
    assert types[-1] == "connector.ready"
    assert server.refused == []
    for item in server.received:
        text = json.dumps(item)
        assert all(made.secrets.get(name, "-") not in text for name in ("access_token", "refresh_token"))


def test_health_changed(receiver, connection):
    server = receiver()
    register(server, ["connection.health_changed"])
    made = connection()
    made.connector.test_url = made.connector.test_url.replace("/bearer", "/status/503")
    made.connector.save()
    health.check(made)
    (item,) = server.received
    assert item["payload"]["data"]["connection"]["health"] == "degraded"
    assert item["payload"]["data"]["previous_health"] == "connected"


def test_staff_register_an_endpoint_see_the_secret_once_send_a_test_event_and_redeliver(receiver, client,
                                                                                        staff_user):
    server = receiver()
    client.force_login(staff_user)
    refused = client.post(reverse("webhooks:create"), {"url": "ftp://example.com/x", "event_types": ["x"]})
    assert refused.status_code == 400 and not WebhookEndpoint.objects.exists()

    created = client.post(reverse("webhooks:create"), {"url": server.url, "event_types": ["connection.created"],
                                                       "active": "on", "description": "Ops"})
    secret = re.search(r'data-testid="signing-secret">(whsec_[^<]+)<', created.content.decode()).group(1)
    server.secret = secret
    endpoint = WebhookEndpoint.objects.get()
    page = client.get(endpoint.get_absolute_url()).content.decode()
    assert secret not in page and "Send test event" in page

    client.post(reverse("webhooks:test", args=[endpoint.pk]))
    (item,) = server.received
    assert item["payload"]["type"] == "webhook.test"
    delivery = WebhookDelivery.objects.get()
    page = client.get(endpoint.get_absolute_url()).content.decode()
    assert 'data-testid="delivery-status">Delivered<' in page and page.count('data-testid="attempt"') == 1

    client.post(reverse("webhooks:redeliver", args=[delivery.pk]))
    assert len(server.received) == 2
    assert server.received[1]["headers"]["webhook-id"] == delivery.message_id  # the same message again
    delivery.refresh_from_db()
    assert delivery.attempt_count == 2 and delivery.status == WebhookDelivery.Status.SUCCEEDED


def test_only_staff_reach_the_webhook_pages(client, end_user):
    client.force_login(end_user)
    assert client.get(reverse("webhooks:list")).status_code == 403


def test_the_retry_job_claims_each_delivery_once(receiver, connection):
    server = receiver(fail_first=1)
    register(server, ["connection.created"])
    connection()
    delivery = WebhookDelivery.objects.get()
    at = later(2)
    pks = services.due(at)
    assert pks == [delivery.pk]
    assert services.claim(delivery.pk, at) is not None
    assert services.claim(delivery.pk, at) is None  # another consumer's copy of the job
    assert tasks.retry_webhook_deliveries.call_local() == "0 due"
