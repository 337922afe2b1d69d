"""/healthz for load balancers and /metrics for Prometheus (off unless a token is set)."""

import pytest
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from health import services as health
from health.models import HealthCheck
from tests.peers.servers import free_port

pytestmark = pytest.mark.django_db


def test_healthz_answers_anyone_when_database_queue_and_cache_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert {key: response.json()[key] for key in ("database", "queue", "cache")} == {
        "database": "ok", "queue": "ok", "cache": "ok"}


def test_healthz_is_503_when_the_queue_is_unreachable(client):
    saved = HUEY.storage
    HUEY.storage = RedisStorage("healthz-test", url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        HUEY.storage = saved
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable" and response.json()["queue"] == "failed (ConnectionError)"
    assert "127.0.0.1" not in response.content.decode()


def test_metrics_are_off_by_default(client):
    assert client.get(reverse("metrics")).status_code == 404


def test_metrics_need_the_token(client, settings):
    settings.CONNECTORS_METRICS_TOKEN = "scrape-me-123"
    assert client.get(reverse("metrics")).status_code == 401
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_metrics_say_health_refreshes_checks_and_deliveries(client, settings, end_user, builder_user, httpbin_url):
    from builder.models import Connector
    from connections import services
    from tests.connections.conftest import BEARER_CONFIG

    settings.CONNECTORS_METRICS_TOKEN = "scrape-me-123"
    connector = Connector.objects.create(name="Metered", link_name="metered", auth_type="bearer",
                                         config=BEARER_CONFIG, stage="ready", test_url=f"{httpbin_url}/bearer",
                                         created_by=builder_user, base_url=httpbin_url)
    good = services.connection_create(connector=connector, owner=end_user, name="Good", secrets={"token": "tok-1"})
    bad = services.connection_create(connector=connector, owner=end_user, name="Bad", secrets={"token": "tok-2"})
    health.check(good)
    Connector.objects.filter(pk=connector.pk).update(test_url=f"{httpbin_url}/status/502")
    bad.connector.refresh_from_db()
    health.check(bad)

    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scrape-me-123")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'connectors_connections{health="connected"} 1' in text
    assert 'connectors_connections{health="degraded"} 1' in text
    assert 'connectors_health_checks_last_hour{outcome="ok"} 1' in text
    assert 'connectors_health_checks_last_hour{outcome="failed"} 1' in text
    assert 'connectors_outbound_latency_seconds{connector="metered",stat="average"}' in text
    assert 'connectors_token_refreshes_total{result="refreshed"} 0' in text
    assert 'connectors_webhook_deliveries{status="succeeded"} 0' in text
    assert "# TYPE connectors_queue_pending gauge" in text
    assert "tok-1" not in text and "tok-2" not in text


def _summary(text, connector):
    lines = dict(line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    labels = f'{{connector="{connector}"}}'
    return (int(lines.get(f"connectors_outbound_call_seconds_count{labels}", 0)),
            float(lines.get(f"connectors_outbound_call_seconds_sum{labels}", 0)))


def test_metrics_count_the_latency_of_api_calls_by_connector(client, settings, end_user, builder_user, httpbin_url):
    from builder.models import Connector
    from connections import services
    from tests.connections.conftest import BEARER_CONFIG

    settings.CONNECTORS_METRICS_TOKEN = "scrape-me-123"
    connector = Connector.objects.create(name="Timed", link_name="timed", auth_type="bearer", config=BEARER_CONFIG,
                                         stage="ready", created_by=builder_user, base_url=httpbin_url)
    connection = services.connection_create(connector=connector, owner=end_user, name="Timed", secrets={"token": "t-1"})

    def scrape():
        response = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scrape-me-123")
        assert response.status_code == 200
        assert "# TYPE connectors_outbound_call_seconds summary" in response.content.decode()
        return _summary(response.content.decode(), "timed")

    count, total = scrape()  # the counters live in this process: earlier tests may have called too
    assert services.connection_request(connection, "GET", "/bearer").status_code == 200
    assert services.connection_request(connection, "GET", "/status/500").status_code == 500
    after_count, after_total = scrape()
    assert after_count == count + 2 and after_total > total
    assert not HealthCheck.objects.exists()  # API calls, no health check made them
