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
    """Every minute: enqueue a refresh of each token due within the window, and of each refresh token
    unused for CONNECTORS_REFRESH_EXERCISE_DAYS."""
    window = refresh.refresh_window()
    due = list(refresh.due_to_expire(window).values_list("pk", flat=True))
    for pk in due:
        refresh_connection(pk, within=window.total_seconds())
    exercised = []
    unused_for = refresh.exercise_after()
    if unused_for:
        exercised = [pk for pk in refresh.due_to_exercise(unused_for).values_list("pk", flat=True) if pk not in due]
        for pk in exercised:
            refresh_connection(pk, exercise=True)
    return f"{len(due)} due, {len(exercised)} exercised"


@db_task()
def refresh_connection(pk, *, within=None, exercise=False):
    """Refresh one connection's token when still due; return the outcome (see jobs.refresh)."""
    connection = Connection.objects.select_related("connector").filter(pk=pk).first()
    if connection is None:
        return refresh.SKIPPED
    return refresh.refresh_one(connection, within=datetime.timedelta(seconds=within) if within else None,
                               exercise=exercise)
