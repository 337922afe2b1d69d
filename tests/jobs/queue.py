"""Real queue consumers for the tests: `python manage.py run_huey` processes on the test database.

The test process runs tasks inline (Huey's immediate mode, tests/settings.py); `consumers()`
switches it to a real queue for the block and starts consumer processes on that queue and on
the test database: the SQLite queue file on the SQLite run, Redis on the PostgreSQL run (or
wherever a test asks for Redis).
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection as db
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage, SqliteStorage

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Tests use their own queue name on this Redis database (set TEST_REDIS_URL to choose another).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable():
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def need_redis():
    if not redis_reachable():
        pytest.skip(f"No Redis server answers at {REDIS_URL} (TEST_REDIS_URL).")


def default_backend():
    """RedisHuey on the PostgreSQL run, SqliteHuey on the SQLite run."""
    return "redis" if db.vendor == "postgresql" else "sqlite"


def database_url():
    settings = db.settings_dict
    if db.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}")


class Consumer:
    def __init__(self, process, log_path):
        self.process, self.log_path = process, log_path

    def log(self):
        return self.log_path.read_text(errors="replace")


@contextmanager
def consumers(count=1, *, backend=None, workers=2, environment=None):
    """Start `count` consumers on a fresh queue; yield them (each has .log()); stop them after the block."""
    backend = backend or default_backend()
    if backend == "redis":
        need_redis()
    name = f"connectors-test-{os.getpid()}-{time.monotonic_ns()}"
    logs = tempfile.TemporaryDirectory(prefix="consumer-logs-")
    queue_file = str(Path(logs.name) / "queue.sqlite3")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url(),
           "CONNECTORS_QUEUE_IMMEDIATE": "0", "CONNECTORS_QUEUE_NAME": name,
           "CONNECTORS_QUEUE_WORKERS": str(workers), **(environment or {})}
    env.pop("REDIS_URL", None)
    if backend == "redis":
        env["REDIS_URL"] = REDIS_URL
    else:
        env["CONNECTORS_QUEUE_FILE"] = queue_file
    saved = HUEY.immediate, HUEY.storage, HUEY.name
    HUEY.immediate = False
    HUEY.name = name
    HUEY.storage = RedisStorage(name, url=REDIS_URL) if backend == "redis" else SqliteStorage(name, filename=queue_file)
    started = []
    try:
        for index in range(count):
            log_path = Path(logs.name) / f"consumer-{index}.log"
            with open(log_path, "wb") as log:
                process = subprocess.Popen([sys.executable, "manage.py", "run_huey"], cwd=PROJECT_ROOT, env=env,
                                           stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            started.append(Consumer(process, log_path))
        yield started
    finally:
        for consumer in started:
            if consumer.process.poll() is None:
                consumer.process.send_signal(signal.SIGINT)  # Huey's graceful stop: running tasks finish
        for consumer in started:
            try:
                consumer.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                consumer.process.kill()
                consumer.process.wait()
        HUEY.storage.flush_all()
        HUEY.immediate, HUEY.storage, HUEY.name = saved
        logs.cleanup()


def wait_for(condition, *, timeout=60, what="the consumer to do its work", consumers=()):
    """Poll `condition()` until it is true; fail with the consumers' logs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        for consumer in consumers:
            if consumer.process.poll() is not None:
                pytest.fail(f"A consumer exited ({consumer.process.returncode}):\n{consumer.log()[-4000:]}")
        time.sleep(0.2)
    logs = "\n".join(consumer.log()[-3000:] for consumer in consumers)
    pytest.fail(f"Timed out waiting for {what}.\n{logs}")
