"""Notifications by email (issue 10 item 3) through a real SMTP server on loopback."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from builder.models import Connector
from connections.models import Connection
from health import services as health
from health.models import ConnectionHealth
from notifications import services, tasks
from notifications.models import NotificationSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_user):
    user = make_user("owner")
    user.email = "owner@example.test"
    user.save()
    return user


@pytest.fixture
def connection(owner, builder_user, httpbin_url):
    from tests.connections.conftest import BEARER_CONFIG

    builder_user.email = "builder@example.test"
    builder_user.save()
    connector = Connector.objects.create(name="Zylker CRM", link_name="zylker_crm", auth_type="bearer",
                                         config=BEARER_CONFIG, stage="ready", test_url=f"{httpbin_url}/bearer",
                                         created_by=builder_user, base_url=httpbin_url)
    from connections import services as connection_services

    return connection_services.connection_create(connector=connector, owner=owner, name="Sales CRM",
                                                 secrets={"token": "tok-SECRET-123456"})


def mark(connection, **fields):
    Connection.objects.filter(pk=connection.pk).update(**fields)


def degrade(connection, minutes):
    ConnectionHealth.objects.update_or_create(connection=connection, defaults={
        "next_check_at": timezone.now(), "failing_since": timezone.now() - datetime.timedelta(minutes=minutes)})


def test_the_owner_is_told_once_when_a_connection_needs_reauthorization(smtp_server, connection):
    mark(connection, status=Connection.Status.NEEDS_REAUTHORIZATION, token_error="the refresh token was revoked")
    assert tasks.notify_connection_problems.call_local() == "1 sent"
    tasks.notify_connection_problems.call_local(tick=(timezone.now() + datetime.timedelta(minutes=1)).isoformat())
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["to"] == ["owner@example.test"]
    assert message["subject"] == "Sales CRM (Zylker CRM): needs reauthorization"
    assert "needs to be reauthorized: the refresh token was revoked" in message["body"]
    assert "https://connectors.example.test/connections/sales_crm/" in message["body"]
    assert "https://connectors.example.test" + reverse("notifications:settings") in message["body"]
    assert "tok-SECRET" not in message["body"]


def test_told_again_after_it_was_fixed_and_broke_again(smtp_server, connection):
    mark(connection, status=Connection.Status.NEEDS_REAUTHORIZATION)
    services.notify_problems()
    mark(connection, status=Connection.Status.CONNECTED)
    services.notify_problems()
    assert len(smtp_server.messages) == 1
    mark(connection, status=Connection.Status.NEEDS_REAUTHORIZATION)
    services.notify_problems()
    assert len(smtp_server.messages) == 2


def test_a_reauthorize_link_for_connections_the_provider_authorizes(smtp_server, client, make_user, oauth2_provider):
    from tests.connections.oauth_helpers import authorize_oauth2, oauth2_connector

    user = make_user("oauth-owner")
    user.email = "oauth@example.test"
    user.save()
    client.force_login(user)
    authorize_oauth2(client, oauth2_provider, oauth2_connector(oauth2_provider))
    connection = Connection.objects.get(owner=user)
    mark(connection, status=Connection.Status.NEEDS_REAUTHORIZATION)
    services.notify_problems()
    body = smtp_server.messages[0]["body"]
    assert "Reauthorize: https://connectors.example.test" + reverse("connections:reauthorize",
                                                                     args=[connection.link_name]) in body
    assert connection.secrets["access_token"] not in body and connection.secrets["refresh_token"] not in body


def test_degraded_longer_than_the_threshold(smtp_server, connection, settings):
    settings.CONNECTORS_NOTIFY_DEGRADED_AFTER = 60
    degrade(connection, minutes=30)
    services.notify_problems()
    assert smtp_server.messages == []
    degrade(connection, minutes=61)
    services.notify_problems()
    services.notify_problems()
    assert [message["subject"] for message in smtp_server.messages] == ["Sales CRM (Zylker CRM): degraded"]
    assert "has been degraded since" in smtp_server.messages[0]["body"]


def test_a_user_who_turned_them_off_gets_none(smtp_server, connection, owner, client):
    client.force_login(owner)
    page = client.get(reverse("notifications:settings"))
    assert page.status_code == 200 and "owner@example.test" in page.content.decode()
    response = client.post(reverse("notifications:settings"), {"daily_digest": "on"})
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=owner).connection_problems is False
    mark(connection, status=Connection.Status.NEEDS_REAUTHORIZATION)
    services.notify_problems()
    assert smtp_server.messages == []


def test_an_unreachable_smtp_server_is_tried_again_next_time(smtp_server, connection, settings):
    from tests.peers.servers import free_port

    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    mark(connection, status=Connection.Status.NEEDS_REAUTHORIZATION)
    assert services.notify_problems() == 0
    settings.EMAIL_PORT = port
    assert services.notify_problems() == 1
    assert len(smtp_server.messages) == 1


def test_builders_get_a_daily_digest_per_connector(smtp_server, connection, owner, make_user, builder_user):
    from connections import services as connection_services

    other = connection_services.connection_create(connector=connection.connector, owner=make_user("another"),
                                                  name="Support CRM", secrets={"token": "tok-SECRET-654321"})
    healthy = connection_services.connection_create(connector=connection.connector, owner=owner, name="Fine CRM",
                                                    secrets={"token": "tok-SECRET-777777"})
    health.check(healthy)
    mark(connection, status=Connection.Status.NEEDS_REAUTHORIZATION)
    degrade(other, minutes=5)

    assert tasks.daily_digest.call_local() == "1 sent"
    (message,) = smtp_server.messages
    assert message["to"] == ["builder@example.test"]
    assert message["subject"] == "Daily digest: 2 failing connections"
    assert "Zylker CRM (2)" in message["body"]
    assert "Sales CRM (owner): needs reauthorization" in message["body"]
    assert "Support CRM (another): degraded" in message["body"]
    assert "Fine CRM" not in message["body"] and "tok-SECRET" not in message["body"]

    NotificationSettings.objects.create(user=builder_user, daily_digest=False)
    assert services.send_digests() == 0


def test_no_digest_when_nothing_fails(smtp_server, connection):
    assert services.send_digests() == 0
    assert smtp_server.messages == []
