"""Periodic jobs that run once per tick however many consumers enqueue them (see jobs.queue)."""

import datetime
import functools
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from .models import PeriodicRun

logger = logging.getLogger(__name__)
# Claims older than this are deleted whenever a job is claimed: the recent ones are the record.
KEEP_RUNS = datetime.timedelta(days=2)


def claim(job, tick):
    """Claim `job` for `tick`; return the PeriodicRun, or None when another consumer has it."""
    try:
        with transaction.atomic():
            return PeriodicRun.objects.create(job=job, tick=tick)
    except IntegrityError:
        return None


def parse_tick(tick):
    """Return the minute a tick names (an ISO 8601 string in UTC, as jobs.queue stamps it)."""
    value = datetime.datetime.fromisoformat(tick)
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


def periodic_once(schedule, *, name=None):
    """Decorate fn() as a periodic task on `schedule` (a huey crontab) that runs once per tick.

    The task is called with the tick the scheduler stamped; called without one (by hand, a test,
    Huey's immediate mode) it runs for the current minute, still only once.
    """

    def decorate(fn):
        job = name or fn.__name__

        @functools.wraps(fn)
        def run(tick=None):
            tick = parse_tick(tick) if tick else timezone.now().replace(second=0, microsecond=0)
            record = claim(job, tick)
            if record is None:
                logger.info("%s for %s: already run by another consumer", job, tick.isoformat())
                return None
            PeriodicRun.objects.filter(job=job, tick__lt=tick - KEEP_RUNS).delete()
            try:
                outcome = fn()
            except Exception as error:
                record.outcome = f"Failed: {type(error).__name__}"[:500]
                raise
            else:
                record.outcome = str(outcome or "")[:500]
                return outcome
            finally:
                record.finished_at = timezone.now()
                record.save(update_fields=["finished_at", "outcome"])

        task = db_periodic_task(schedule, name=job)(run)
        task.job = job
        return task

    return decorate
