"""The connection page's Activity section as HTML list items, built in Python.

The markup is what the template's loops gave (`<li>{{ event.at|date:"Y-m-d H:i:s" }} · ...</li>`), but one
query of plain values (usually) and one string per row: the page is drawn again after every console request sent
without the page's script, and 20 rows through template nodes cost more than the rest of the section.
tests/connections/test_activity.py compares the two.
"""

from html import escape  # what django.utils.html.escape does, without its lazy-string wrapper per call

from django.db.models import Exists
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone

from .models import ConnectionEvent, ConnectionUsageHour

EVENTS = 20  # the newest events shown
USAGE_HOURS = 48  # the newest hours of calls older than the activity kept
NOTHING_YET = '<li class="text-body-secondary">Nothing yet.</li>'
_ACTIONS = dict(ConnectionEvent.Action.choices)


def _when(value, zone, minutes=True):
    """`value|date:"Y-m-d H:i:s"` (or "Y-m-d H:00" without minutes) in the current time zone `zone`, as the
    template filter gives it."""
    local = value.astimezone(zone)
    day = f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}"
    return f"{day}:{local.minute:02d}:{local.second:02d}" if minutes else f"{day}:00"


def activity_items(connection):
    """The newest events and hours of calls as `<li>` items: (events, hours).

    One query: the events carry whether the connection has hours of calls at all (most have none), which
    are read in a second query only then, or when there is no event to carry it.
    """
    has_hours = Exists(ConnectionUsageHour.objects.filter(connection_id=connection.pk))
    rows = list(ConnectionEvent.objects.filter(connection_id=connection.pk).annotate(has_hours=has_hours)
                .values_list("at", "action", "detail", "user__username", "has_hours")[:EVENTS])
    hours = usage_hour_items(connection) if not rows or rows[0][4] else mark_safe("")
    return event_items(rows), hours


def event_items(rows):
    """Events (at, action, detail, username, ...) as `<li>` items, or the one "Nothing yet." item."""
    zone, items = get_current_timezone(), []
    for at, action, detail, username, *_ in rows:
        parts = [_when(at, zone), escape(str(_ACTIONS.get(action, action)))]
        if detail:
            parts.append(escape(detail))
        if username is not None:
            parts.append(escape(username))
        items.append(f"<li>{' · '.join(parts)}</li>")
    return mark_safe("".join(items) or NOTHING_YET)


def usage_hour_items(connection):
    """The newest hours of calls (older than the activity kept) as `<li>` items, or "" when there are none."""
    rows = ConnectionUsageHour.objects.filter(connection_id=connection.pk).values_list("hour", "calls")[:USAGE_HOURS]
    zone = get_current_timezone()
    return mark_safe("".join(f"<li>{_when(hour, zone, minutes=False)} · {calls} call{'' if calls == 1 else 's'}</li>"
                             for hour, calls in rows))
