"""Calls per token per window: Redis when REDIS_URL is set (shared by every worker), the database otherwise.

A fixed window: CONNECTORS_API_RATE_LIMIT is "CALLS/SECONDS" (default 600/60). A call past the limit
is refused with 429 and Retry-After, the seconds until the window ends.

A process does not count each call where every process sees it: it takes a share of the window's
calls at once (the window's count goes up by the share, and the part of it still under the limit is
granted) and spends it in memory. Redis: one round trip per share (INCRBY and EXPIRE sent together).
The database: one `INSERT … ON CONFLICT … RETURNING` per share. The limit is never exceeded, however
many processes count; a process's unspent share is lost when the window ends, so near the end of a
window a token may be refused up to (processes − 1) × share_cap(limit) calls early: 10 calls, or 1% of
a limit above 1,000 (at most 1,000 calls). Shares shrink as the window fills (a tenth of what is
left), down to one call.
"""

import functools
import logging
import os
import threading
import time

from django.conf import settings
from django.db import connection as db_connection

from .models import RateWindow

logger = logging.getLogger(__name__)

DEFAULT = "600/60"
LEASE_MAX = 10  # the most calls a process takes from the window's count at once, for limits up to 1,000
LEASE_CAP = 1000  # ... and for larger limits, 1% of the limit up to this


def share_cap(limit):
    """The most calls a process takes at once from a window of `limit` calls: a high limit (a busy program's)
    costs a round trip to Redis or the database per 1% of it, not per 10 calls."""
    return max(LEASE_MAX, min(LEASE_CAP, limit // 100))


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
    add = functools.partial(_add, getattr(settings, "REDIS_URL", ""), seconds)
    if not _leases.take(token, window, limit, add):
        raise RateLimited(max(1, int(window + seconds - now + 0.999)), limit, seconds)


@functools.lru_cache(maxsize=4)
def _redis(url):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _add(redis_url, seconds, token_pk, window, calls):
    """Add `calls` to the window's count and return it: in Redis when REDIS_URL is set and answers, else in the
    database."""
    count = _redis_add(redis_url, token_pk, window, seconds, calls) if redis_url else None
    return count if count is not None else _database_add(token_pk, window, calls)


def _redis_add(url, token_pk, window, seconds, calls):
    """Return the window's count in Redis after adding `calls`; None when Redis cannot be reached (the database
    counts then)."""
    import redis

    key = f"connectors:api-rate:{token_pk}:{window}"
    try:
        # Sent together, without MULTI/EXEC: an EXPIRE lost with a broken connection leaves a key of a past
        # window, which nothing reads again.
        pipe = _redis(url).pipeline(transaction=False)
        pipe.incrby(key, calls)
        pipe.expire(key, seconds + 1)
        return pipe.execute()[0]
    except redis.RedisError as error:
        logger.warning("Rate limit: Redis is unavailable (%s); counting in the database.", type(error).__name__)
        return None


class _Leases:
    """This process's shares of each token's window (see the module's docstring); thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._shares = {}  # (token lookup id, window, limit) -> [calls left, window's count last seen, exhausted]

    def take(self, token, window, limit, add=None):
        """Spend one call of the token's share of `window`, taking a new share when it is spent (`add(token pk,
        window, calls)` adds to the count every process sees and returns it: the database's by default); False
        when the window's limit is reached."""
        # The lookup id, not the pk: a pk can come back (a rolled-back test, a restored database), it cannot.
        key = (token.lookup_id, window, limit)
        with self._lock:
            if self._pid != os.getpid():  # a forked process shares nothing of its parent's
                self._pid, self._shares = os.getpid(), {}
            share = self._shares.get(key)
            if share is None:
                crowded = len(self._shares) > 10_000  # then forget every token's past windows, not only this one's
                for old in [other for other in self._shares if other[1] < window and (crowded or other[0] == key[0])]:
                    del self._shares[old]
                share = self._shares[key] = [0, 0, False]
            if share[0] > 0:
                share[0] -= 1
                return True
            if share[2]:
                return False
            size = max(1, min(share_cap(limit), (limit - share[1]) // 10))
        count = (add or _database_add)(token.pk, window, size)
        with self._lock:
            share = self._shares.setdefault(key, [0, 0, False])
            share[0] += max(0, min(size, limit - (count - size)))
            share[1] = max(share[1], count)
            if share[0] > 0:
                share[0] -= 1
                return True
            share[2] = True
            return False


_leases = _Leases()


def _database_add(token_pk, window, calls):
    """Add `calls` to the window's count and return it: one statement (SQLite ≥ 3.35, PostgreSQL)."""
    table = RateWindow._meta.db_table
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_id, window_start, count) VALUES (%s, %s, %s) "
            f"ON CONFLICT (token_id, window_start) DO UPDATE SET count = {table}.count + %s RETURNING count",
            [token_pk, window, calls, calls])
        count = cursor.fetchone()[0]
    if count == calls:  # a new window: the token's older ones are of no use any more
        RateWindow.objects.filter(token_id=token_pk, window_start__lt=window).delete()
    return count
