"""The connection page's Activity section, drawn in Python (connections/activity.py): the markup the
template's loops gave, one query however many rows (two when the connection has hours of calls), and a
page whose query count stays flat as the activity grows (the whole page is drawn again after a console
request sent without the page's script)."""

import datetime

import pytest
from django.db import connection as db
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from connections import activity, services
from connections.models import ConnectionEvent, ConnectionUsageHour
from tests.connections.conftest import BEARER_CONFIG

pytestmark = pytest.mark.django_db

# The template's loops these replace, as they were in connections/connection_detail.html.
TEMPLATE_EVENTS = engines["django"].from_string(
    '{% for event in events %}<li>{{ event.at|date:"Y-m-d H:i:s" }} · {{ event.get_action_display }}'
    '{% if event.detail %} · {{ event.detail }}{% endif %}{% if event.user %} · {{ event.user }}{% endif %}</li>'
    '{% empty %}<li class="text-body-secondary">Nothing yet.</li>{% endfor %}')
TEMPLATE_HOURS = engines["django"].from_string(
    '{% for hour in usage_hours %}<li>{{ hour.hour|date:"Y-m-d H:00" }} · {{ hour.calls }} '
    'call{{ hour.calls|pluralize }}</li>{% endfor %}')


@pytest.fixture
def connection(ready_connector, end_user):
    connector = ready_connector("Activity", "bearer", BEARER_CONFIG, base_url="https://api.example.com")
    return services.connection_create(connector=connector, owner=end_user, name="Activity",
                                      secrets={"token": "tok-activity-1"})


def add_events(connection, count, *, user=None, start=0):
    moment = timezone.now().replace(microsecond=0)
    ConnectionEvent.objects.bulk_create(
        ConnectionEvent(connection=connection, user=user, action=ConnectionEvent.Action.USED,
                        detail=f"GET /v1/items?n={n} → 200", at=moment - datetime.timedelta(seconds=n))
        for n in range(start, start + count))


def as_template_drew_them(connection):
    return (TEMPLATE_EVENTS.render({"events": connection.events.select_related("user")[:20]}),
            TEMPLATE_HOURS.render({"usage_hours": connection.usage_hours.all()[:48]}))


def as_drawn_now(connection):
    events, hours = activity.activity_items(connection)
    return str(events), str(hours)


def test_nothing_yet(connection):
    connection.events.all().delete()
    assert as_drawn_now(connection) == as_template_drew_them(connection) == (activity.NOTHING_YET, "")


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
def test_the_same_markup_as_the_templates_loops(connection, end_user, make_user, zone):
    other = make_user("<other & co>")
    moment = timezone.now().replace(microsecond=0)
    for action, detail, user, seconds in [
            (ConnectionEvent.Action.RENAMED, 'Renamed to "<b>Shop</b>" & more', end_user, 1),
            (ConnectionEvent.Action.USED, "", None, 2),
            (ConnectionEvent.Action.FAILED, "GET /x → 500 'quoted'", other, 3),
            (ConnectionEvent.Action.REFRESHED, "", end_user, 4)]:
        ConnectionEvent.objects.create(connection=connection, action=action, detail=detail, user=user,
                                       at=moment - datetime.timedelta(seconds=seconds))
    ConnectionEvent.objects.create(connection=connection, action="gone", detail="an action no longer named",
                                   at=datetime.datetime(999, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
                                   + datetime.timedelta(days=400))
    hour = moment.replace(minute=0, second=0) - datetime.timedelta(days=40)
    ConnectionUsageHour.objects.bulk_create([ConnectionUsageHour(connection=connection, hour=hour, calls=1),
                                             ConnectionUsageHour(connection=connection,
                                                                 hour=hour - datetime.timedelta(hours=1), calls=0),
                                             ConnectionUsageHour(connection=connection,
                                                                 hour=hour - datetime.timedelta(hours=2), calls=1234)])
    with timezone.override(zone):
        drawn = as_drawn_now(connection)
        assert drawn == as_template_drew_them(connection)
    assert "&lt;b&gt;Shop&lt;/b&gt;" in drawn[0] and "&lt;other &amp; co&gt;" in drawn[0]
    assert " call</li>" in drawn[1] and " calls</li>" in drawn[1]


def test_the_newest_twenty_events_and_48_hours(connection):
    add_events(connection, 30)
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(days=40)
    ConnectionUsageHour.objects.bulk_create(ConnectionUsageHour(connection=connection, calls=n,
                                                                hour=hour - datetime.timedelta(hours=n))
                                            for n in range(60))
    drawn = as_drawn_now(connection)
    assert drawn == as_template_drew_them(connection)
    assert drawn[0].count("<li>") == activity.EVENTS and drawn[1].count("<li>") == activity.USAGE_HOURS


def test_one_query_however_many_rows(connection, end_user):
    counts = []
    for rows in (1, 25):
        add_events(connection, rows, user=end_user, start=100 * rows)
        with CaptureQueriesContext(db) as queries:
            activity.activity_items(connection)
        counts.append(len(queries))
    assert counts == [1, 1]


def test_hours_of_calls_with_or_without_events(connection):
    """The hours are read when the events say there are some, and when there is no event to say it."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(days=40)
    ConnectionUsageHour.objects.create(connection=connection, hour=hour, calls=3)
    with CaptureQueriesContext(db) as queries:
        assert as_drawn_now(connection) == as_template_drew_them(connection)
    assert len(queries) == 2 + 2  # drawn now (events, then hours), then as the template drew them
    connection.events.all().delete()
    drawn = as_drawn_now(connection)
    assert drawn == as_template_drew_them(connection) == (activity.NOTHING_YET, drawn[1]) and "3 calls" in drawn[1]


def test_the_pages_query_count_stays_flat_as_activity_grows(user_client, connection, end_user):
    """The page and the whole-page console POST (a refused one: no call out) as rows are added."""
    page_url = connection.get_absolute_url()
    console_url = reverse("connections:console", args=[connection.link_name])
    counts = []
    for rows in (1, 30):
        add_events(connection, rows, user=end_user, start=1000 * rows)
        with CaptureQueriesContext(db) as page_queries:
            assert user_client.get(page_url).status_code == 200
        with CaptureQueriesContext(db) as console_queries:
            assert user_client.post(console_url, {"method": "GET", "url": "a b", "body_type": "none"}).status_code == 400
        counts.append((len(page_queries), len(console_queries)))
    assert counts[0] == counts[1]


def test_the_health_record_comes_with_the_connection(user_client, connection):
    from health.models import ConnectionHealth

    ConnectionHealth.objects.create(connection=connection, next_check_at=timezone.now(),
                                    failing_since=timezone.now())
    with CaptureQueriesContext(db) as queries:
        html = user_client.get(connection.get_absolute_url()).content.decode()
    assert not [query for query in queries if 'FROM "health_connectionhealth"' in query["sql"]]
    assert 'data-testid="health-state">Degraded<' in html
