"""The queue's tasks for tokens: the periodic proactive refresh fans out one task per connection,
so that several workers (and consumers) share a large batch."""

import datetime

from huey import crontab
from huey.contrib.djhuey import db_task

from connections.models import Connection

from . import refresh
from .periodic import periodic_once


@periodic_once(crontab(minute="*"))
def proactive_refresh():
    """Every minute: enqueue a refresh of each token due within the window."""
    window = refresh.refresh_window()
    due = list(refresh.due_to_expire(window).values_list("pk", flat=True))
    for pk in due:
        refresh_connection(pk, within=window.total_seconds())
    return f"{len(due)} due"


@periodic_once(crontab(hour="3", minute="17"))
def exercise_refresh_tokens():
    """Daily: enqueue a refresh of each refresh token unused for CONNECTORS_REFRESH_EXERCISE_DAYS."""
    unused_for = refresh.exercise_after()
    pks = list(refresh.due_to_exercise(unused_for).values_list("pk", flat=True)) if unused_for else []
    for pk in pks:
        refresh_connection(pk, exercise=True)
    return f"{len(pks)} exercised"


@db_task()
def refresh_connection(pk, *, within=None, exercise=False):
    """Refresh one connection's token when still due; return the outcome (see jobs.refresh)."""
    connection = Connection.objects.select_related("connector").filter(pk=pk).first()
    if connection is None:
        return refresh.SKIPPED
    return refresh.refresh_one(connection, within=datetime.timedelta(seconds=within) if within else None,
                               exercise=exercise)
