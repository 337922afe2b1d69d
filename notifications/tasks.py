from huey import crontab

from jobs.periodic import periodic_once

from . import services


@periodic_once(crontab(minute="*"))
def notify_connection_problems():
    """Every minute: tell owners of connections that newly need reauthorization or stay degraded."""
    return f"{services.notify_problems()} sent"


@periodic_once(crontab(hour="7", minute="0"))
def daily_digest():
    """Every day at 07:00 UTC: builders' digest of failing connections per connector."""
    return f"{services.send_digests()} sent"
