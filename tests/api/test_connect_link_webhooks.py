"""Connect links' results by webhook: the whole journey (the API makes a link, a signed-in user opens it
and connects) ends with a signed connect_link.completed at a real receiver on loopback, which verifies
it with the standardwebhooks library; a link that runs out ends with connect_link.expired."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from api import tasks
from api.models import ConnectLink
from connections.models import Connection
from tests.api.test_connect_links import make_link, path_of
from tests.connections.conftest import BASIC_CONFIG
from tests.connections.oauth_helpers import authorize_oauth2, callback_from, oauth2_connector
from tests.connections.test_key_based import add_connection
from tests.peers.oauth_fixtures import approve_oauth2_consent
from tests.webhooks.test_webhooks import receiver  # noqa: F401  (the fixture)
from tests.webhooks.test_webhooks import register
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)  # deliveries are sent once the transaction commits
LINK_EVENTS = ["connect_link.completed", "connect_link.expired"]


@pytest.fixture
def basic_connector(ready_connector, httpbin_url):
    return ready_connector("Linked", "basic", BASIC_CONFIG, test_url=f"{httpbin_url}/basic-auth/maria/s3cret-pw")


def events(server):
    return [(item["payload"]["type"], item["payload"]["data"]) for item in server.received]


def run_job(minute=0):
    """Run the periodic job as the scheduler would for the tick `minute` minutes from now."""
    tick = (timezone.now() + datetime.timedelta(minutes=minute)).replace(second=0, microsecond=0)
    return tasks.settle_expired_connect_links.call_local(tick.isoformat())


def expire(link):
    ConnectLink.objects.filter(public_id=link["id"]).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))


def test_a_connection_made_through_a_link_is_announced_with_the_links_id(receiver, api_as, builder_user, end_user,
                                                                         client, basic_connector):
    server = receiver()
    register(server, LINK_EVENTS)
    api = api_as(builder_user)
    link = make_link(api, basic_connector)
    client.force_login(end_user)
    assert client.get(path_of(link["url"])).status_code == 302
    assert server.received == []  # opening is not a result

    assert add_connection(client, basic_connector, name="Via link", username="maria",
                          password="s3cret-pw").status_code == 302
    made = Connection.objects.get(owner=end_user)
    ((kind, data),) = events(server)
    assert kind == "connect_link.completed" and server.refused == []
    assert data["id"] == link["id"] and data["status"] == "connected" and data["connector"] == basic_connector.pk
    assert data["connection"]["link_name"] == made.link_name and data["connection"]["name"] == "Via link"
    assert data["connection"]["status"] == "connected"
    polled = api.get(f"connect-links/{link['id']}").json()
    assert set(data) == set(polled) and set(data["connection"]) == set(polled["connection"])
    assert {key: data[key] for key in ("id", "connector", "status", "created_at", "expires_at")} == {
        key: polled[key] for key in ("id", "connector", "status", "created_at", "expires_at")}
    text = json.dumps(server.received)
    assert "s3cret-pw" not in text and link["url"].split("/connect/")[1].strip("/") not in text

    # Used up: a second connection of the same user is not announced again, nor the expiry later.
    add_connection(client, basic_connector, name="Second", username="maria", password="s3cret-pw")
    expire(link)
    assert run_job() == "0 expired"
    assert len(server.received) == 1
    assert api.get(f"connect-links/{link['id']}").json()["connection"]["link_name"] == made.link_name


def test_an_oauth2_connection_through_a_link(receiver, api_as, end_user, client, oauth2_provider):
    server = receiver()
    register(server, LINK_EVENTS)
    connector = oauth2_connector(oauth2_provider, name="Linked OAuth")
    api = api_as(end_user)
    link = make_link(api, connector)
    client.force_login(end_user)
    opened = client.get(path_of(link["url"]))
    assert opened["Location"] == reverse("connections:add", args=[connector.pk])

    assert authorize_oauth2(client, oauth2_provider, connector).status_code == 302
    made = Connection.objects.get(owner=end_user)
    ((kind, data),) = events(server)
    assert kind == "connect_link.completed" and server.refused == []
    assert data["id"] == link["id"] and data["connection"]["link_name"] == made.link_name
    text = json.dumps(server.received)
    assert made.secrets["access_token"] not in text and made.secrets["refresh_token"] not in text
    assert api.get(f"connect-links/{link['id']}").json()["status"] == "connected"


def test_reauthorizing_an_existing_connection_through_a_link_completes_it(receiver, api_as, end_user, client,
                                                                          oauth2_provider):
    connector = oauth2_connector(oauth2_provider, name="Linked again")
    client.force_login(end_user)
    authorize_oauth2(client, oauth2_provider, connector)
    existing = Connection.objects.get(owner=end_user)
    server = receiver()
    register(server, LINK_EVENTS)
    link = make_link(api_as(end_user), connector)
    client.get(path_of(link["url"]))

    provider_url = client.post(reverse("connections:reauthorize", args=[existing.link_name]), {})["Location"]
    client.get(callback_from(approve_oauth2_consent(oauth2_provider, provider_url)))
    assert Connection.objects.filter(owner=end_user).count() == 1
    ((kind, data),) = events(server)
    assert kind == "connect_link.completed" and data["connection"]["link_name"] == existing.link_name


def test_a_refused_consent_then_the_link_running_out_is_announced_as_expired(receiver, api_as, end_user, client,
                                                                              oauth2_provider):
    server = receiver()
    register(server, LINK_EVENTS)
    connector = oauth2_connector(oauth2_provider, name="Refused OAuth")
    api = api_as(end_user)
    link = make_link(api, connector)
    client.force_login(end_user)
    client.get(path_of(link["url"]))
    denied = authorize_oauth2(client, oauth2_provider, connector, allow=False)
    assert denied.status_code == 302 and "failed=1" in denied["Location"]
    assert not Connection.objects.exists() and server.received == []
    assert api.get(f"connect-links/{link['id']}").json()["status"] == "opened"

    assert run_job() == "0 expired"  # not yet
    expire(link)
    assert run_job(1) == "1 expired"
    ((kind, data),) = events(server)
    assert kind == "connect_link.expired" and server.refused == []
    assert data["id"] == link["id"] and data["status"] == "expired" and data["connection"] is None
    assert run_job(1) is None  # another consumer's copy of the same tick
    assert run_job(2) == "0 expired" and len(server.received) == 1

    # A connection made after the link ran out is not its result.
    authorize_oauth2(client, oauth2_provider, connector)
    assert Connection.objects.count() == 1 and len(server.received) == 1
    assert api.get(f"connect-links/{link['id']}").json()["status"] == "expired"


def test_a_link_never_opened_expires_once_and_only_subscribers_hear_of_it(receiver, api_as, end_user,
                                                                         basic_connector):
    subscribed, other = receiver(), receiver()
    register(subscribed, ["connect_link.expired"])
    register(other, ["connection.created", "connect_link.completed"])
    link = make_link(api_as(end_user), basic_connector)
    expire(link)
    from api.signals import settle_expired

    assert settle_expired() == 1 and settle_expired() == 0
    assert [kind for kind, _ in events(subscribed)] == ["connect_link.expired"] and other.received == []
    assert events(subscribed)[0][1]["id"] == link["id"]
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED


def test_staff_subscribe_endpoints_to_the_connect_link_events(client, staff_user, admin_client):
    client.force_login(staff_user)
    page = client.get(reverse("webhooks:create")).content.decode()
    assert all(f'value="{name}"' in page for name in LINK_EVENTS)
    admin_page = admin_client.get(reverse("admin:webhooks_webhookendpoint_add")).content.decode()
    assert all(f'value="{name}"' in admin_page for name in LINK_EVENTS)


def test_the_migration_settles_the_links_made_before_it_quietly(receiver, end_user, basic_connector):
    import importlib

    from django.apps import apps

    server = receiver()
    register(server, LINK_EVENTS)
    now = timezone.now()
    connected_unseen, ran_out, open_one = (
        ConnectLink.issue(user=end_user, token=None, connector=basic_connector)[0] for _ in range(3))
    ConnectLink.objects.filter(pk=connected_unseen.pk).update(opened_by=end_user,
                                                               opened_at=now - datetime.timedelta(minutes=5))
    made = Connection.objects.create(connector=basic_connector, owner=end_user, name="Before", link_name="before",
                                     status="connected")
    ConnectLink.objects.filter(pk=ran_out.pk).update(expires_at=now - datetime.timedelta(minutes=1))
    assert server.received == []  # no ConnectionEvent: as a connection made before this version

    importlib.import_module("api.migrations.0003_connectlink_settled_at").settle_the_past(apps, None)
    connected_unseen.refresh_from_db(), ran_out.refresh_from_db(), open_one.refresh_from_db()
    assert connected_unseen.connection == made and connected_unseen.settled_at
    assert ran_out.settled_at and open_one.settled_at is None and open_one.result() == "pending"
    assert run_job() == "0 expired" and server.received == []
