"""Usage of connections recorded off the request path (issue 12 item 2).

A successful API call whose status is the one the connection already shows only changes figures:
when it was last used, and a line in the activity trail. Those are buffered in the process (bounded:
``LIMIT`` entries, written at once when full) and written in one batch (one bulk INSERT of activity,
one bulk UPDATE of last-used figures, in one transaction) at most every
``CONNECTORS_USAGE_FLUSH_SECONDS`` (default 1) by a background thread, and at exit. Errors and status
changes are written at once, as before. ``CONNECTORS_USAGE_FLUSH_SECONDS=0`` writes everything at once.
Other apps buffer their rows' use figures in the same batches (``record_use``: an API token's last use and
proxy calls), so that a call writes nothing on its way.

A clean shutdown loses nothing (the buffer is flushed at exit); a crash (SIGKILL, power) loses at most
the last second of usage figures of each process: last-used times and activity lines of successful
calls, never an error or a status change.

Activity lines of API calls are kept ``CONNECTORS_ACTIVITY_RETENTION_DAYS`` (default 30); ``prune()``
(run by the flusher at most hourly, or ``manage.py prune_activity``) folds older ones into calls per
hour (``ConnectionUsageHour``) and deletes them.
"""

import atexit
import datetime
import logging
import os
import threading
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db import connection as db
from django.db.models import Count, F
from django.db.models.functions import TruncHour
from django.utils import timezone

from .models import Connection, ConnectionEvent, ConnectionUsageHour

logger = logging.getLogger(__name__)

LIMIT = 10_000  # buffered entries per process; a call that fills the buffer writes it
PRUNE_EVERY = 3600  # seconds between prunes by the flusher


def buffering():
    return float(settings.CONNECTORS_USAGE_FLUSH_SECONDS) > 0


class UsageBuffer:
    """Last-used figures and activity lines waiting to be written; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last = {}  # connection pk -> (last_used_at, last_status)
        self._events = []  # (connection pk, user pk, at, detail): the activity lines, made into rows by flush()
        self._counts = {}  # (writer, key) -> [uses, last at]: other apps' use figures (add_use)
        self._thread = None
        self._pid = None
        self._pruned_at = 0.0

    def add(self, connection, *, at, status, event):
        """Buffer a call's last-used figures and its activity line `event`: (user pk, time, detail)."""
        with self._lock:
            known = self._last.get(connection.pk)
            if known is None or known[0] <= at:
                self._last[connection.pk] = (at, status)
            self._events.append((connection.pk, *event))
            full = len(self._events) >= LIMIT
        if full:
            self.flush()
        else:
            self._start()

    def add_use(self, writer, key, *, at, uses=1):
        """Buffer a use of `key` (another app's row: an API token) at `at`, counted `uses` times; written at
        the flush, in its transaction, by ``writer({key: (uses, last at)})``."""
        with self._lock:
            known = self._counts.setdefault((writer, key), [0, at])
            known[0] += uses
            known[1] = max(known[1], at)
            full = len(self._counts) >= LIMIT
        if full:
            self.flush()
        else:
            self._start()

    def forget_last_use(self, pk):
        """Drop the buffered last-used figures of pk: a newer value was just written at once."""
        with self._lock:
            self._last.pop(pk, None)

    def pending(self):
        with self._lock:
            return len(self._events)

    def flush(self):
        """Write what is buffered in one batch; return the number of activity lines written."""
        with self._lock:
            last, events, counts = self._last, self._events, self._counts
            self._last, self._events, self._counts = {}, [], {}
        if not last and not events and not counts:
            return 0
        try:
            return _write(last, events, counts)
        except Exception:  # a flush must not kill the flusher: say so, the figures are lost
            logger.exception("Could not write %d buffered usage records", len(events))
            return 0

    def _start(self):
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()  # a forked worker starts its own flusher
            self._thread = threading.Thread(target=self._run, name="usage-flusher", daemon=True)
            self._thread.start()

    def _run(self):
        """Flush every CONNECTORS_USAGE_FLUSH_SECONDS while there is something to write, then stop (the next
        buffered call starts it again); prune at most hourly."""
        try:
            while True:
                time.sleep(max(0.05, float(settings.CONNECTORS_USAGE_FLUSH_SECONDS)))
                self.flush()
                if time.monotonic() - self._pruned_at > PRUNE_EVERY:
                    self._pruned_at = time.monotonic()
                    prune()
                db.close()  # this thread's connection: none held between flushes
                with self._lock:
                    if not self._events and not self._last and not self._counts:
                        self._thread = None
                        return
        except Exception:
            logger.exception("The usage flusher stopped; the next buffered call starts it again")
            with self._lock:
                self._thread = None


def _write(last, events, counts=None):
    with transaction.atomic():
        by_writer = {}
        for (writer, key), figures in (counts or {}).items():
            by_writer.setdefault(writer, {})[key] = tuple(figures)
        for writer, figures in by_writer.items():
            writer(figures)
        pks = {pk for pk in last} | {pk for pk, *_ in events}
        existing = set(Connection.objects.filter(pk__in=pks).values_list("pk", flat=True))  # deleted meanwhile
        user_ids = {user_id for _, user_id, _, _ in events if user_id is not None}
        users = set(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True)) if user_ids else ()
        written = [ConnectionEvent(connection_id=pk, user_id=user_id if user_id in users else None, at=at,
                                   action=ConnectionEvent.Action.USED, detail=detail)
                   for pk, user_id, at, detail in events if pk in existing]
        ConnectionEvent.objects.bulk_create(written)
        Connection.objects.bulk_update(
            [Connection(pk=pk, last_used_at=at, last_status=status) for pk, (at, status) in last.items()
             if pk in existing],
            ["last_used_at", "last_status"],
        )
    return len(written)


buffer = UsageBuffer()
atexit.register(buffer.flush)


def record(connection, *, at, status, error, detail, user, at_once):
    """Record a call's outcome: at once (errors, status changes, no buffering) or in the buffer."""
    if at_once or not buffering():
        fields = {"last_used_at": at, "last_status": status, "last_error": error[:500]}
        Connection.objects.filter(pk=connection.pk).update(**fields)
        buffer.forget_last_use(connection.pk)
        for name, value in fields.items():
            setattr(connection, name, value)
        if detail is not None:
            connection.record_event(ConnectionEvent.Action.USED, user=user, detail=detail)
        return
    connection.last_used_at, connection.last_status = at, status
    # A model instance is made at flush time, off the request path (about 12 µs each).
    buffer.add(connection, at=at, status=status, event=(user.pk if user else None, timezone.now(), detail[:500]))


def record_use(writer, key, *, at, uses=1):
    """Record a use of another app's row (an API token's last use and calls): buffered, or at once when
    buffering is off; ``writer({key: (uses, last at)})`` writes it."""
    if buffering():
        buffer.add_use(writer, key, at=at, uses=uses)
    else:
        writer({key: (uses, at)})


def prune(now=None):
    """Fold API-call activity older than the retention into calls per hour and delete it; return the count."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.CONNECTORS_ACTIVITY_RETENTION_DAYS)
    old = ConnectionEvent.objects.filter(action=ConnectionEvent.Action.USED, at__lt=cutoff)
    with transaction.atomic():
        hours = old.annotate(hour=TruncHour("at")).values("connection_id", "hour").annotate(calls=Count("id"))
        for row in hours:
            _add_calls(row["connection_id"], row["hour"], row["calls"])
        deleted, _ = old.delete()
    return deleted


def _add_calls(connection_id, hour, calls):
    updated = ConnectionUsageHour.objects.filter(connection_id=connection_id, hour=hour).update(
        calls=F("calls") + calls)
    if not updated:
        try:
            with transaction.atomic():
                ConnectionUsageHour.objects.create(connection_id=connection_id, hour=hour, calls=calls)
        except IntegrityError:  # another prune made it meanwhile
            ConnectionUsageHour.objects.filter(connection_id=connection_id, hour=hour).update(
                calls=F("calls") + calls)
