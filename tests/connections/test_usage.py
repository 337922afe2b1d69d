"""Usage recorded off the request path (issue 12 item 2): successful calls with an unchanged status
are buffered and written in one batch per flush; errors and status changes are written at once;
a clean exit loses nothing; activity older than the retention is counted per hour."""

import datetime
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from connections import services, usage
from connections.models import Connection, ConnectionEvent, ConnectionUsageHour
from tests.connections.conftest import BEARER_CONFIG

pytestmark = pytest.mark.django_db
USED = ConnectionEvent.Action.USED
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def buffered(settings):
    settings.CONNECTORS_USAGE_FLUSH_SECONDS = 1
    usage.buffer.flush()
    yield usage.buffer
    usage.buffer.flush()


@pytest.fixture
def bearer_connection(ready_connector, end_user, httpbin_url):
    connector = ready_connector("Usage", "bearer", BEARER_CONFIG, base_url=httpbin_url)
    return services.connection_create(connector=connector, owner=end_user, name="Usage",
                                      secrets={"token": "tok-usage-1234"})


def writes(queries):
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]


def test_successful_calls_are_written_in_one_batch_per_flush(buffered, bearer_connection):
    services.connection_request(bearer_connection, "GET", "/get")  # first use: a change of status, written now
    assert Connection.objects.get(pk=bearer_connection.pk).last_status == 200
    with CaptureQueriesContext(db) as calls:
        for _ in range(20):
            services.connection_request(bearer_connection, "GET", "/get")
    assert writes(calls) == []  # nothing written on the request path
    assert buffered.pending() == 20
    last_call = bearer_connection.last_used_at

    with CaptureQueriesContext(db) as flush:
        assert buffered.flush() == 20
    assert [sql.split()[0:3] for sql in writes(flush)] == [
        ["INSERT", "INTO", '"connections_connectionevent"'], ["UPDATE", '"connections_connection"', "SET"]]
    assert bearer_connection.events.filter(action=USED).count() == 21
    assert Connection.objects.get(pk=bearer_connection.pk).last_used_at == last_call
    times = list(bearer_connection.events.filter(action=USED).order_by("pk").values_list("at", flat=True))
    assert times == sorted(times)  # each line keeps the time of its call


def test_errors_and_status_changes_are_written_at_once(buffered, bearer_connection):
    services.connection_request(bearer_connection, "GET", "/get")
    services.connection_request(bearer_connection, "GET", "/status/503")
    row = Connection.objects.get(pk=bearer_connection.pk)
    assert (row.last_status, row.last_error) == (503, "HTTP 503 SERVICE UNAVAILABLE")
    services.connection_request(bearer_connection, "GET", "/get")  # back to 200: a change, written now
    row = Connection.objects.get(pk=bearer_connection.pk)
    assert (row.last_status, row.last_error) == (200, "")
    assert buffered.pending() == 0 and bearer_connection.events.filter(action=USED).count() == 3


def test_a_full_buffer_is_written_by_the_call_that_fills_it(buffered, bearer_connection, monkeypatch):
    monkeypatch.setattr(usage, "LIMIT", 5)
    services.connection_request(bearer_connection, "GET", "/get")
    for _ in range(5):
        services.connection_request(bearer_connection, "GET", "/get")
    assert buffered.pending() == 0 and bearer_connection.events.filter(action=USED).count() == 6


def test_usage_of_a_connection_deleted_meanwhile_is_dropped(buffered, bearer_connection, end_user):
    services.connection_request(bearer_connection, "GET", "/get")
    services.connection_request(bearer_connection, "GET", "/get")
    services.connection_delete(connection=bearer_connection, user=end_user)
    assert buffered.flush() == 0


@pytest.mark.django_db(transaction=True)
def test_the_flusher_writes_within_a_second_or_so(buffered, bearer_connection):
    services.connection_request(bearer_connection, "GET", "/get")
    services.connection_request(bearer_connection, "GET", "/get")
    deadline = time.monotonic() + 30  # a loaded machine; the flusher runs every second
    while bearer_connection.events.filter(action=USED).count() < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert bearer_connection.events.filter(action=USED).count() == 2


SCRIPT = """
import sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from django.utils import timezone
from builder.models import Connector, Stage
from connections import usage
from connections.models import Connection, ConnectionEvent
user = get_user_model().objects.create_user("exit")
connector = Connector.objects.create(name="Exit", link_name="exit", auth_type="bearer", stage=Stage.READY,
                                     created_by=user)
connection = Connection.objects.create(connector=connector, owner=user, name="Exit", link_name="exit")
for _ in range(3):
    usage.record(connection, at=timezone.now(), status=200, error="", detail="GET /x → 200", user=None,
                 at_once=False)
assert usage.buffer.pending() == 3
sys.exit(0)  # a clean exit: the buffer is written at exit
"""


def test_a_clean_exit_loses_nothing(tmp_path):
    database = tmp_path / "exit.sqlite3"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": f"sqlite:///{database}",
           "CONNECTORS_USAGE_FLUSH_SECONDS": "60"}
    subprocess.run([sys.executable, "-c", SCRIPT], cwd=PROJECT_ROOT, env=env, check=True, timeout=300)
    with sqlite3.connect(database) as written:
        assert written.execute("SELECT COUNT(*) FROM connections_connectionevent WHERE action = 'used'").fetchone() == (3,)


def test_activity_older_than_the_retention_is_counted_per_hour(settings, user_client, bearer_connection):
    settings.CONNECTORS_ACTIVITY_RETENTION_DAYS = 30
    now = timezone.now()
    old_hour = (now - datetime.timedelta(days=40)).replace(minute=0, second=0, microsecond=0)
    for minutes in (1, 2, 3, 61):
        ConnectionEvent.objects.create(connection=bearer_connection, action=USED, detail="GET /old → 200",
                                       at=old_hour + datetime.timedelta(minutes=minutes))
    ConnectionEvent.objects.create(connection=bearer_connection, action=USED, detail="GET /new → 200")
    assert usage.prune() == 4
    assert sorted(ConnectionUsageHour.objects.values_list("hour", "calls")) == [
        (old_hour, 3), (old_hour + datetime.timedelta(hours=1), 1)]
    assert list(bearer_connection.events.filter(action=USED).values_list("detail", flat=True)) == ["GET /new → 200"]
    ConnectionEvent.objects.create(connection=bearer_connection, action=USED, at=old_hour, detail="late")
    usage.prune()
    assert ConnectionUsageHour.objects.get(hour=old_hour).calls == 4

    text = user_client.get(reverse("connections:detail", args=[bearer_connection.link_name])).content.decode()
    assert f"{old_hour:%Y-%m-%d %H}:00 · 4 calls" in text
