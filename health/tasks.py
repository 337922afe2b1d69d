"""The queue's tasks for health checks: every minute the due connections, one task each."""

from huey import crontab
from huey.contrib.djhuey import db_task

from connections.models import Connection
from jobs.periodic import periodic_once

from . import services


@periodic_once(crontab(minute="*"))
def schedule_health_checks():
    """Every minute: enqueue a check of each connection whose place in its connector's interval has come."""
    pks = services.due_checks()
    for pk in pks:
        check_connection(pk)
    return f"{len(pks)} checks"


@db_task()
def check_connection(pk):
    connection = Connection.objects.select_related("connector").filter(pk=pk).first()
    if connection is None or not connection.enabled or connection.status not in services.CHECKED_STATUSES:
        return None
    return services.check(connection).outcome
