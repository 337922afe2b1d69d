from huey import crontab
from huey.contrib.djhuey import db_task

from jobs.periodic import periodic_once

from . import services


@db_task()
def deliver(pk):
    """Attempt one delivery if it is (still) due; another consumer may have taken it."""
    delivery = services.claim(pk)
    if delivery is None:
        return None
    return services.attempt(delivery).succeeded


@periodic_once(crontab(minute="*"))
def retry_webhook_deliveries():
    """Every minute: enqueue the deliveries whose next attempt (a retry) is due."""
    pks = services.due()
    for pk in pks:
        deliver(pk)
    return f"{len(pks)} due"
