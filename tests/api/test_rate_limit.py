"""Calls per token: past the limit a 429 problem with Retry-After; Redis when REDIS_URL is set, else the database."""

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection as db
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from api import ratelimit
from api.models import PersonalAccessToken, RateWindow
from tests.peers.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def redis_url():
    """A private redis-server on a free port (not the shared one): its own empty keyspace."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            import time

            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def calls_until_refused(api, limit):
    for _ in range(limit):
        assert api.get("connections").status_code == 200
    return api.get("connections")


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_past_the_limit_a_429_problem_with_retry_after_for_that_token_only(request, api_as, end_user, backend):
    url = request.getfixturevalue("redis_url") if backend == "redis" else ""
    with override_settings(CONNECTORS_API_RATE_LIMIT="3/3600", REDIS_URL=url):
        api = api_as(end_user)
        refused = calls_until_refused(api, 3)
        assert refused.status_code == 429 and refused["Content-Type"] == "application/problem+json"
        assert 1 <= int(refused["Retry-After"]) <= 3600
        assert "more than 3 calls in 3600 seconds" in refused.json()["detail"]
        assert api_as(end_user, name="another").get("connections").status_code == 200
    assert RateWindow.objects.exists() == (backend == "database")


def test_a_new_window_starts_the_count_again_and_old_rows_go(end_user):
    token, _ = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    with override_settings(CONNECTORS_API_RATE_LIMIT="2/60", REDIS_URL=""):
        ratelimit.check(token, now=600)
        ratelimit.check(token, now=601)
        with pytest.raises(ratelimit.RateLimited) as refused:
            ratelimit.check(token, now=615)
        assert refused.value.retry_after == 45
        ratelimit.check(token, now=660)
    assert list(RateWindow.objects.values_list("window_start", "count")) == [(660, 1)]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_are_counted_exactly_on_postgresql(end_user):
    if db.vendor != "postgresql":
        pytest.skip("Concurrent writers need PostgreSQL (.ci/run's second pass).")
    token, _ = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)

    def call(_):
        try:
            ratelimit.check(token, now=1200)
            return True
        except ratelimit.RateLimited:
            return False
        finally:
            db.close()

    with override_settings(CONNECTORS_API_RATE_LIMIT="25/60", REDIS_URL=""):
        with ThreadPoolExecutor(max_workers=10) as pool:
            allowed = list(pool.map(call, range(60)))
    assert allowed.count(True) == 25
    # The window's count holds every call taken from it (shares of several calls) and refused ones stop there.
    assert 25 <= RateWindow.objects.get().count <= 60


def test_when_redis_cannot_be_reached_the_database_counts(api_as, end_user):
    with override_settings(CONNECTORS_API_RATE_LIMIT="2/3600", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        api = api_as(end_user)
        assert calls_until_refused(api, 2).status_code == 429
    assert RateWindow.objects.get().count == 3


def test_without_redis_a_process_writes_once_per_share_of_calls_not_per_call(end_user):
    token, _ = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    with override_settings(CONNECTORS_API_RATE_LIMIT="600/60", REDIS_URL=""):
        with CaptureQueriesContext(db) as captured:
            for n in range(30):
                ratelimit.check(token, now=1800 + n)
    inserts = [query for query in captured.captured_queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 30 // ratelimit.share_cap(600) == 3
    assert RateWindow.objects.get().count == 30


def test_with_redis_a_process_counts_once_per_share_of_calls_not_per_call(redis_url, end_user):
    import redis

    token, _ = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    client = redis.Redis.from_url(redis_url)

    def incrby_calls():
        return client.info("commandstats").get("cmdstat_incrby", {}).get("calls", 0)

    before = incrby_calls()
    with override_settings(CONNECTORS_API_RATE_LIMIT="600/60", REDIS_URL=redis_url):
        for n in range(30):
            ratelimit.check(token, now=1800 + n)
    assert incrby_calls() - before == 30 // ratelimit.share_cap(600) == 3
    assert int(client.get(f"connectors:api-rate:{token.pk}:1800")) == 30
    assert 0 < client.ttl(f"connectors:api-rate:{token.pk}:1800") <= 61  # gone once its window is over
    assert not RateWindow.objects.exists()


def test_a_high_limit_takes_shares_of_one_percent_of_it(end_user):
    token, _ = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    with override_settings(CONNECTORS_API_RATE_LIMIT="100000/60", REDIS_URL=""):
        with CaptureQueriesContext(db) as captured:
            for n in range(1500):
                ratelimit.check(token, now=1800 + n % 60)
    inserts = [query for query in captured.captured_queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 2 and RateWindow.objects.get().count == 2000  # two shares of 1% each
    assert [ratelimit.share_cap(limit) for limit in (60, 600, 1000, 5000, 100000, 10**8)] == [10, 10, 10, 50, 1000,
                                                                                              1000]


def test_the_shares_of_several_processes_never_pass_the_limit_together(end_user):
    token, _ = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    processes = [ratelimit._Leases() for _ in range(3)]  # each process keeps its own shares
    allowed = sum(processes[n % 3].take(token, 2400, 200) for n in range(400))
    # Never more than the limit; fewer by at most the shares the other processes did not spend.
    assert 200 - 2 * ratelimit.share_cap(200) <= allowed <= 200
    assert sum(process.take(token, 2460, 200) for process in processes) == 3  # a new window: counted again
