"""The refresh storm on PostgreSQL: many callers, one expired token, a token endpoint that works,
answers 500 or hangs. Exactly one token request each time (counted at the server), every caller
answered within one token timeout plus a margin, the failure shared by all.

50 threads in this process, and 2 processes x 25 threads (tests/connections/storm_worker.py).
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection as db
from django.utils import timezone

from auth_types import registry
from connections import services, tokens
from connections.models import Connection, ConnectionEvent
from tests.connections.oauth_helpers import authorize_oauth2, oauth2_connector

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

TOKEN_TIMEOUT = (1.0, 1.5)
MARGIN = 1.0  # scheduling on a busy machine, on top of tokens.LOCK_MARGIN
PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = {  # refresh URL (None: the real token endpoint) and the path the peer counts
    "works": (None, "/o/token/"),
    "answers 500": ("token-500", "/faults/token-500/"),
    "hangs": ("token-slow", "/faults/token-slow/"),
}


@pytest.fixture(autouse=True)
def needs_postgresql():
    if db.vendor != "postgresql":
        pytest.skip("SQLite has no row locks; the README says so. This runs on PostgreSQL (.ci/run's second pass).")


@pytest.fixture
def short_token_timeout(settings):
    settings.CONNECTORS_TOKEN_TIMEOUT = TOKEN_TIMEOUT
    assert registry.get("oauth2").token_timeout is None  # the setting decides
    return tokens.wait_budget(registry.get("oauth2")) + MARGIN


@pytest.fixture
def expired_connection(client, make_user, oauth2_provider):
    """Return a factory: a connection whose token has expired and whose refreshes go to `endpoint`."""

    def make(endpoint):
        fault, counted = ENDPOINTS[endpoint]
        user = make_user(f"owner-{time.monotonic_ns()}")
        client.force_login(user)
        oauth2_provider.set_access_token_ttl(3600)
        connector = oauth2_connector(oauth2_provider, name=f"Storm {time.monotonic_ns() % 10**9}")
        authorize_oauth2(client, oauth2_provider, connector)
        connection = Connection.objects.get(owner=user)
        refresh_url = oauth2_provider.fault_url(fault, **({"seconds": 20} if fault == "token-slow" else {})) \
            if fault else ""
        type(connector).objects.filter(pk=connector.pk).update(config={**connector.config, "refresh_url": refresh_url})
        Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
        oauth2_provider.reset_counts()
        return Connection.objects.select_related("connector").get(pk=connection.pk), counted

    return make


def call_through(pk, url, barrier):
    try:
        connection = Connection.objects.select_related("connector").get(pk=pk)
        barrier.wait()
        started = time.monotonic()
        try:
            outcome = services.connection_request(connection, "GET", url).status_code
        except services.ConnectionUnavailable as error:
            outcome = str(error)
        return [outcome, time.monotonic() - started]
    finally:
        db.close()


def in_threads(pk, url, count):
    barrier, results = threading.Barrier(count), [None] * count

    def run(index):
        results[index] = call_through(pk, url, barrier)

    workers = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def in_processes(pk, url, processes, threads):
    settings = db.settings_dict
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
                   "CONNECTORS_TOKEN_TIMEOUT": ",".join(str(part) for part in TOKEN_TIMEOUT),
                   "DATABASE_URL": f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
                                   f"{settings['PORT'] or 5432}/{settings['NAME']}"}
    children = [subprocess.Popen([sys.executable, "-m", "tests.connections.storm_worker", str(pk), url, str(threads)],
                                 cwd=PROJECT_ROOT, env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True) for _ in range(processes)]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        return [result for child in children for result in json.loads(child.stdout.readline())]
    finally:
        for child in children:
            child.stdin.close()
            child.wait(timeout=30)


def check(results, *, connection, peer, counted, endpoint, bound):
    outcomes = [outcome for outcome, _ in results]
    assert peer.counts().get(counted, 0) == 1, peer.counts()
    assert max(seconds for _, seconds in results) < bound, sorted(seconds for _, seconds in results)[-5:]
    connection.refresh_from_db()
    if endpoint == "works":
        assert outcomes == [200] * len(results)
        assert connection.events.filter(action=ConnectionEvent.Action.REFRESHED).count() == 1
    else:
        why = "HTTP 500" if endpoint == "answers 500" else "did not answer in time"
        assert all(isinstance(outcome, str) and "could not be refreshed" in outcome and why in outcome
                   for outcome in outcomes), set(outcomes)
        assert connection.events.filter(action=ConnectionEvent.Action.FAILED).count() == 1
        assert connection.status == Connection.Status.CONNECTED and connection.token_failed_at is not None


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_fifty_threads_make_one_token_request(expired_connection, oauth2_provider, short_token_timeout, endpoint):
    connection, counted = expired_connection(endpoint)
    results = in_threads(connection.pk, oauth2_provider.resource_url, 50)
    check(results, connection=connection, peer=oauth2_provider, counted=counted, endpoint=endpoint,
          bound=short_token_timeout)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_two_processes_of_twenty_five_threads_make_one_token_request(expired_connection, oauth2_provider,
                                                                     short_token_timeout, endpoint):
    connection, counted = expired_connection(endpoint)
    results = in_processes(connection.pk, oauth2_provider.resource_url, 2, 25)
    assert len(results) == 50
    check(results, connection=connection, peer=oauth2_provider, counted=counted, endpoint=endpoint,
          bound=short_token_timeout)


def test_after_the_back_off_the_next_caller_tries_again(expired_connection, oauth2_provider, short_token_timeout):
    connection, counted = expired_connection("answers 500")
    for _ in range(3):
        with pytest.raises(services.TokenRefreshFailed):
            services.connection_request(connection, "GET", oauth2_provider.resource_url)
    assert oauth2_provider.counts().get(counted) == 1
    Connection.objects.filter(pk=connection.pk).update(
        token_failed_at=timezone.now() - tokens.REFRESH_BACKOFF)
    connection.refresh_from_db()
    with pytest.raises(services.TokenRefreshFailed, match="HTTP 500"):
        services.connection_request(connection, "GET", oauth2_provider.resource_url)
    assert oauth2_provider.counts().get(counted) == 2
