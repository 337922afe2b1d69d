from huey import crontab

from jobs.periodic import periodic_once

from . import signals


@periodic_once(crontab(minute="*"))
def settle_expired_connect_links():
    """Every minute: the connect links that expired without a connection are settled (and announced)."""
    return f"{signals.settle_expired()} expired"
