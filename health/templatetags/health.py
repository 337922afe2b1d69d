from django import template

from health import chart, services

register = template.Library()

BADGE_CSS = {
    services.Health.CONNECTED: "text-bg-success",
    services.Health.DEGRADED: "text-bg-warning",
    services.Health.NEEDS_REAUTHORIZATION: "text-bg-danger",
    services.Health.DISABLED: "text-bg-secondary",
    services.Health.REVOKED: "text-bg-secondary",
}


def badge(connection):
    """Return (css, label) of the health badge beside a connection's status badge, or None when it would
    tell nothing the status does not (Degraded while the status still says Connected is shown; a second
    "Connected" would only repeat it)."""
    health = services.health_of(connection)
    told = services.told_by_status(connection)
    return (BADGE_CSS[health], health.label) if told is not None and health != told else None


@register.inclusion_tag("health/_badge.html")
def health_badge(connection):
    return {"badge": badge(connection)}


@register.inclusion_tag("health/_connection_health.html")
def connection_health(connection):
    health = services.health_of(connection)
    record = services.health_record(connection)
    # A connection's checks are recorded with its record (services.check makes the record first): without
    # a record there are none to read.
    checks = services.recent_checks(connection) if record is not None else []
    passed = sum(1 for check in checks if check.ok)
    return {
        "connection": connection, "health": health, "css": BADGE_CSS[health], "record": record,
        # The page's header shows the status badge: a second badge saying the same would only repeat it.
        "repeats_status": health == services.told_by_status(connection),
        "checks": checks, "passed": passed, "bars": chart.bars(checks), "width": chart.WIDTH, "height": chart.HEIGHT,
        "last": checks[-1] if checks else None,
        "checked": bool(services.interval_for(connection.connector)),
        "next_refresh_at": services.next_refresh_at(connection),
    }
