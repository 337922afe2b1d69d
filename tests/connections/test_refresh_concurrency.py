"""Twenty workers, one expired token, a provider that rotates refresh tokens: exactly one refresh."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection as db
from django.utils import timezone

from connections import services
from connections.models import Connection, ConnectionEvent
from tests.connections.oauth_helpers import authorize_oauth2, oauth2_connector

WORKERS = 20

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def needs_postgresql():
    if db.vendor != "postgresql":
        pytest.skip("SQLite has no row locks; the README says so. This runs on PostgreSQL (.ci/run's second pass).")


def call_through(pk, url):
    try:
        connection = Connection.objects.select_related("connector").get(pk=pk)
        return services.connection_request(connection, "GET", url).status_code
    finally:
        db.close()


def test_one_refresh_for_twenty_concurrent_calls(client, make_user, oauth2_provider):
    user = make_user("worker-owner")
    client.force_login(user)
    oauth2_provider.set_access_token_ttl(3600)
    connector = oauth2_connector(oauth2_provider)
    authorize_oauth2(client, oauth2_provider, connector)
    connection = Connection.objects.get()
    first_refresh_token = connection.secrets["refresh_token"]
    Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
    oauth2_provider.reset_counts()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        statuses = list(pool.map(call_through, [connection.pk] * WORKERS, [oauth2_provider.resource_url] * WORKERS))

    assert statuses == [200] * WORKERS
    assert oauth2_provider.counts().get("/o/token/") == 1
    connection.refresh_from_db()
    assert connection.status == Connection.Status.CONNECTED
    assert connection.secrets["refresh_token"] != first_refresh_token
    assert connection.events.filter(action=ConnectionEvent.Action.REFRESHED).count() == 1
