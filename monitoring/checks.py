"""/healthz: is this instance able to serve? The database, the queue and the cache, each tried now."""

import uuid

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from jobs.models import PeriodicRun


def database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def queue():
    HUEY.storage.queue_size()  # a round trip to Redis, or a read of the SQLite queue file


def cache_round_trip():
    key, value = f"healthz-{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


CHECKS = {"database": database, "queue": queue, "cache": cache_round_trip}


def run():
    """Return (all passed, {name: "ok" or the failure's class}); never the failure's text (it may hold a DSN)."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure means "not ready", whatever raised it
            results[name] = f"failed ({type(error).__name__})"
    return all(result == "ok" for result in results.values()), results


def consumers_seen():
    """Seconds since a consumer last ran a periodic job (informative: consumers do not serve web traffic)."""
    last = PeriodicRun.objects.order_by("-started_at").values_list("started_at", flat=True).first()
    return None if last is None else int((timezone.now() - last).total_seconds())
