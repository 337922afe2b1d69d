"""Calls per token per window: Redis when REDIS_URL is set (shared by every worker), the database otherwise.

A fixed window: CONNECTORS_API_RATE_LIMIT is "CALLS/SECONDS" (default 600/60). A call past the limit
is refused with 429 and Retry-After, the seconds until the window ends.
"""

import functools
import logging
import time

from django.conf import settings
from django.db import connection as db_connection

from .models import RateWindow

logger = logging.getLogger(__name__)

DEFAULT = "600/60"


class RateLimited(Exception):
    def __init__(self, retry_after, limit, seconds):
        super().__init__(f"This token made more than {limit} calls in {seconds} seconds; "
                         f"try again in {retry_after} s.")
        self.retry_after = retry_after


def limits():
    """Return (calls, seconds) from the setting; (0, 0) turns the limiter off."""
    text = getattr(settings, "CONNECTORS_API_RATE_LIMIT", DEFAULT) or "0/0"
    calls, _, seconds = text.partition("/")
    return int(calls), int(seconds or 1)


def check(token, *, now=None):
    """Count a call of `token`; raise RateLimited when it is past the limit of its window."""
    limit, seconds = limits()
    if limit <= 0:
        return
    now = time.time() if now is None else now
    window = int(now // seconds * seconds)
    url = getattr(settings, "REDIS_URL", "")
    count = _redis_count(url, token.pk, window, seconds) if url else None
    if count is None:
        count = _database_count(token.pk, window)
    if count > limit:
        raise RateLimited(max(1, int(window + seconds - now + 0.999)), limit, seconds)


@functools.lru_cache(maxsize=4)
def _redis(url):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _redis_count(url, token_pk, window, seconds):
    """Return the window's count in Redis; None when Redis cannot be reached (the database counts then)."""
    import redis

    key = f"connectors:api-rate:{token_pk}:{window}"
    try:
        pipe = _redis(url).pipeline()
        pipe.incr(key)
        pipe.expire(key, seconds + 1)
        return pipe.execute()[0]
    except redis.RedisError as error:
        logger.warning("Rate limit: Redis is unavailable (%s); counting in the database.", type(error).__name__)
        return None


def _database_count(token_pk, window):
    """One statement: insert the window's row or add one to it, and read the count (SQLite ≥ 3.35, PostgreSQL)."""
    table = RateWindow._meta.db_table
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_id, window_start, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (token_id, window_start) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [token_pk, window])
        count = cursor.fetchone()[0]
    if count == 1:  # a new window: the token's older ones are of no use any more
        RateWindow.objects.filter(token_id=token_pk, window_start__lt=window).delete()
    return count
