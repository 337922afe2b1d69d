"""Benchmark of the background jobs (not part of the test suite): `python bench/queue_jobs.py [N]`.

With N connections (default 10,000) on a SQLite file database and a real queue consumer
(`manage.py run_huey`, the SQLite queue file, CONNECTORS_QUEUE_WORKERS threads):
- proactive refresh of N due client-credentials tokens: the periodic job's own queries and time,
  the database queries per refresh task, and the queue's throughput (tasks per second) until all
  are refreshed, against a local token endpoint on loopback;
- health checks of N connections: how the schedule spreads them over a one-hour interval
  (checks per minute), the queries of one scheduling minute and per check, and the throughput
  of checks against a local API on loopback.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-queue-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["CONNECTORS_QUEUE_FILE"] = str(WORK / "queue.sqlite3")
os.environ["CONNECTORS_QUEUE_NAME"] = "bench"
os.environ["CONNECTORS_QUEUE_IMMEDIATE"] = "0"
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection as db  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from huey.contrib.djhuey import HUEY  # noqa: E402

from builder.models import Connector, Stage  # noqa: E402
from connections.models import Connection, ConnectionEvent  # noqa: E402
from health import services as health  # noqa: E402
from health import tasks as health_tasks  # noqa: E402
from health.models import ConnectionHealth, HealthCheck  # noqa: E402
from jobs import tasks as job_tasks  # noqa: E402
from tests.peers.servers import serve_wsgi  # noqa: E402

WORKERS = os.environ.get("CONNECTORS_QUEUE_WORKERS", "4")
# Throughput is measured over the first this many tasks of the batch (the rest is left in the queue).
SAMPLE = int(os.environ.get("BENCH_SAMPLE", "1000"))


def local_api(environ, start_response):
    """A token endpoint (any POST: a new client-credentials token) and an API (any GET: 200)."""
    if environ["REQUEST_METHOD"] == "POST":
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        body = json.dumps({"access_token": uuid.uuid4().hex, "token_type": "Bearer", "expires_in": 3600}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def make_connections(count, base_url, user):
    connector = Connector.objects.create(
        name="Bench OAuth", link_name="bench_oauth", auth_type="oauth2", stage=Stage.READY, created_by=user,
        config={"grant_type": "client_credentials", "client_id": "bench", "client_auth": "client_secret_post",
                "authorization_url": "", "token_url": f"{base_url}/token", "revoke_url": "", "refresh_url": "",
                "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": False},
        secrets={"client_secret": "bench-secret"}, base_url=base_url, test_url=f"{base_url}/me")
    soon = timezone.now() + timezone.timedelta(minutes=5)
    Connection.objects.bulk_create(
        Connection(connector=connector, owner=user, name=f"Bench {n}", link_name=f"bench_{n}",
                   status=Connection.Status.CONNECTED, token_expires_at=soon,
                   secrets={"access_token": f"old-{n}", "token_type": "Bearer",
                            "expires_at": soon.timestamp()})
        for n in range(count))
    return connector


def consumer():
    env = {**os.environ, "CONNECTORS_QUEUE_WORKERS": WORKERS}
    return subprocess.Popen([sys.executable, "manage.py", "run_huey", "--no-periodic"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def drain(process, done, total, what):
    started = time.perf_counter()
    while done() < total:
        if process.poll() is not None:
            raise SystemExit(f"the consumer exited while {what}")
        time.sleep(0.5)
    return time.perf_counter() - started


def queries(function):
    with CaptureQueriesContext(db) as captured:
        result = function()
    return len(captured), result


def bench_refresh(count):
    due = lambda: ConnectionEvent.objects.filter(action=ConnectionEvent.Action.REFRESHED).count()  # noqa: E731
    started = time.perf_counter()
    job_queries, _ = queries(lambda: job_tasks.proactive_refresh.call_local(tick="2000-01-01T00:00:00"))
    enqueue = time.perf_counter() - started
    pending = HUEY.pending_count()
    sample = Connection.objects.order_by("pk").values_list("pk", flat=True).first()
    HUEY.storage.flush_queue()
    HUEY.immediate = True  # one task in this process, to count its queries
    task_queries, outcome = queries(lambda: job_tasks.refresh_connection.call_local(sample, within=600))
    HUEY.immediate = False
    HUEY.storage = HUEY.create_storage()
    job_tasks.proactive_refresh.call_local(tick="2000-01-01T00:01:00")
    process = consumer()
    sample = min(SAMPLE, count - 1)
    try:
        seconds = drain(process, due, sample + 1, "refreshing")
    finally:
        process.terminate()
        process.wait()
    print(f"proactive refresh, {count} due: the periodic job {enqueue:.2f} s, {job_queries} queries, "
          f"{pending} tasks enqueued; one refresh task {task_queries} queries ({outcome}); "
          f"the first {sample} refreshed by one consumer ({WORKERS} threads) in {seconds:.1f} s: "
          f"{sample / seconds:.1f} tasks/s")


def bench_health(count):
    start = timezone.now().replace(second=0, microsecond=0)
    placing, _ = queries(lambda: health.due_checks(start))
    per_minute = []
    minute_queries = []
    for minute in range(1, 61):
        spent, due = queries(lambda: health.due_checks(start + timezone.timedelta(minutes=minute)))
        per_minute.append(len(due))
        minute_queries.append(spent)
    print(f"health checks of {count} connections, one-hour interval: placed in the schedule with {placing} "
          f"queries; checks per minute min {min(per_minute)} / max {max(per_minute)} (even: {count / 60:.0f}); "
          f"a scheduling minute takes {max(minute_queries)} queries at most")
    sample = Connection.objects.select_related("connector").order_by("pk").first()
    check_queries, _ = queries(lambda: health.check(sample))
    ConnectionHealth.objects.update(next_check_at=start)
    HUEY.storage.flush_queue()
    health_tasks.schedule_health_checks.call_local(tick="2000-01-01T00:03:00")
    process = consumer()
    sample = min(SAMPLE, count)
    try:
        seconds = drain(process, lambda: HealthCheck.objects.count() - 1, sample, "checking")
    finally:
        process.terminate()
        process.wait()
    print(f"one check {check_queries} queries; {count} checks due at once (worst case), the first {sample} made "
          f"by one consumer ({WORKERS} threads) in {seconds:.1f} s: {sample / seconds:.1f} checks/s")


def main():
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the local API's access log
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench")
    base_url, stop = serve_wsgi(local_api)
    try:
        make_connections(count, base_url, user)
        bench_refresh(count)
        bench_health(count)
    finally:
        stop()


if __name__ == "__main__":
    main()
