"""Benchmarks (not part of the test suite): `make bench`.

Each prints a ratio against a baseline measured in the same run, on the same machine:
- the Manage Custom Connectors page with 1,000 connectors against the same page with 12
  (a flat page: the ratio stays near 1 because only one page of cards is built);
- a call through a connection (outbound guard, auth, bookkeeping) against a bare `requests`
  call to the same local httpbin endpoint.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from builder.models import Connector, Stage  # noqa: E402
from connections.models import Connection  # noqa: E402
from connections.services import connection_request  # noqa: E402
from tests.peers.servers import start_httpbin  # noqa: E402


def timed(function, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def make_connectors(count, start=0):
    Connector.objects.bulk_create(
        Connector(name=f"Service {n:05}", link_name=f"service_{n:05}", auth_type="bearer", stage=Stage.READY,
                  config={"location": "header", "parameter_name": "Token", "parameter_key": "Authorization",
                          "token_prefix": "Bearer"})
        for n in range(start, start + count))


def bench_list_page(client):
    url = reverse("builder:connector_list")
    make_connectors(12)  # one full page of cards
    small = timed(lambda: client.get(url), 30)
    make_connectors(988, start=12)
    large = timed(lambda: client.get(url), 30)
    print(f"list page, 1000 vs 12 connectors (one page of cards each): {large * 1000:.1f} ms vs {small * 1000:.1f} ms, "
          f"ratio {large / small:.2f}")


def bench_connection_call(user, httpbin_url):
    connector = Connector.objects.get(link_name="service_00000")
    connector.base_url = httpbin_url  # credentials go only to the connector's API origins
    connector.save(update_fields=["base_url"])
    connection = Connection.objects.create(connector=connector, owner=user, name="Bench", link_name="bench",
                                           status=Connection.Status.CONNECTED, secrets={"token": "bench-token"})
    url = f"{httpbin_url}/bearer"
    session = requests.Session()
    bare = timed(lambda: session.get(url, headers={"Authorization": "Bearer bench-token"}, timeout=5), 100)
    through = timed(lambda: connection_request(connection, "GET", url), 100)
    print(f"GET through a connection vs bare requests (keep-alive): {through * 1000:.2f} ms vs "
          f"{bare * 1000:.2f} ms, ratio {through / bare:.2f}")


def main():
    setup_test_environment()
    setup_databases(verbosity=0, interactive=False)
    user = get_user_model().objects.create_superuser("bench", password="bench-password")
    client = Client()
    client.force_login(user)
    bench_list_page(client)
    httpbin_url, stop = start_httpbin()
    try:
        bench_connection_call(user, httpbin_url)
    finally:
        stop()


if __name__ == "__main__":
    main()
