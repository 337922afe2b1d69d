"""A test request is recorded once, as the test: one "Tested" line in the connection's activity, never also
"Called the API" (the test's result is kept as the last test; calls are what the owner sends)."""

import pytest
from django.urls import reverse

from connections.models import Connection, ConnectionEvent
from tests.connections.conftest import BEARER_CONFIG

pytestmark = pytest.mark.django_db

Action = ConnectionEvent.Action


def activity(connection):
    return list(connection.events.order_by("pk").values_list("action", flat=True))


@pytest.mark.parametrize("path, passed", [("/bearer", True), ("/status/500", False)])
def test_adding_a_connection_and_testing_it_records_each_test_once(user_client, ready_connector, httpbin_url, path,
                                                                    passed):
    connector = ready_connector("Tested once", "bearer", BEARER_CONFIG, test_url=f"{httpbin_url}{path}")
    added = user_client.post(reverse("connections:add", args=[connector.pk]),
                             {"name": "Mine", "cred-token": "tok-123456"})
    assert added.status_code == 302
    connection = Connection.objects.get()
    assert activity(connection) == [Action.CREATED, Action.TESTED]  # the test right after adding it

    user_client.post(reverse("connections:test", args=[connection.link_name]))
    connection.refresh_from_db()
    assert activity(connection) == [Action.CREATED, Action.TESTED, Action.TESTED]
    assert connection.last_test_ok is passed and connection.last_test_at is not None
    page = user_client.get(connection.get_absolute_url()).content.decode()
    assert page.count(" · Tested · ") == 2 and "Called the API" not in page

    # A call the owner makes is one.
    user_client.post(reverse("connections:console", args=[connection.link_name]),
                     {"method": "GET", "body_type": "none", "url": f"{httpbin_url}/bearer"})
    assert activity(connection)[-1] == Action.USED and activity(connection).count(Action.USED) == 1
