"""/healthz for load balancers and /metrics for Prometheus (off unless a token is set)."""

import pytest
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from health import services as health
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
