"""Notifications by email (issue 10 item 3): a connection's owner is told once per change when it
needs reauthorization or has been Degraded longer than CONNECTORS_NOTIFY_DEGRADED_AFTER; builders
get a daily digest of the failing connections of their connectors. Never a secret in a message."""

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from connections.models import Connection
from health.services import needs_attention

from .models import NotificationSettings, ProblemNotice

logger = logging.getLogger(__name__)
Problem = ProblemNotice.Problem


def site_url(path):
    return settings.CONNECTORS_SITE_URL.rstrip("/") + path


def wants(user, field):
    if not user.email or not user.is_active:
        return False
    preferences = NotificationSettings.objects.filter(user=user).first()
    return getattr(preferences, field) if preferences else True


def problem_connections(problem, now=None):
    """The connections that have `problem` now."""
    now = now or timezone.now()
    connections = Connection.objects.filter(enabled=True)
    if problem == Problem.NEEDS_REAUTHORIZATION:
        return connections.filter(status=Connection.Status.NEEDS_REAUTHORIZATION)
    after = datetime.timedelta(minutes=settings.CONNECTORS_NOTIFY_DEGRADED_AFTER)
    return connections.filter(status__in=[Connection.Status.CONNECTED, Connection.Status.FAILING],
                              health__failing_since__lte=now - after)


def notify_problems(now=None):
    """Tell each owner about each new problem once; forget problems that are over. Return emails sent."""
    sent = 0
    for problem in Problem.values:
        current = problem_connections(problem, now)
        ProblemNotice.objects.filter(problem=problem).exclude(connection__in=current).delete()
        told = ProblemNotice.objects.filter(problem=problem, connection=OuterRef("pk"))
        for connection in current.filter(~Exists(told)).select_related("connector", "owner", "health"):
            # Claimed first: a second consumer (or a retry) never sends the same notice twice.
            notice, created = ProblemNotice.objects.get_or_create(connection=connection, problem=problem)
            if created and wants(connection.owner, "connection_problems"):
                if _send_problem(connection, problem):
                    sent += 1
                else:
                    notice.delete()  # not sent (SMTP unreachable): tried again next minute
    return sent


def _send_problem(connection, problem):
    context = {
        "connection": connection, "connector": connection.connector, "problem": Problem(problem),
        "reason": connection.token_error if problem == Problem.NEEDS_REAUTHORIZATION else "",
        "failing_since": getattr(getattr(connection, "health", None), "failing_since", None),
        "connection_url": site_url(connection.get_absolute_url()),
        "reauthorize_url": site_url(reverse("connections:reauthorize", args=[connection.link_name]))
        if connection.authorized_by_provider else "",
        "settings_url": site_url(reverse("notifications:settings")),
    }
    subject = f"{connection.name} ({connection.connector.name}): {Problem(problem).label.lower()}"
    return _send(subject, "notifications/email/problem.txt", context, connection.owner)


def send_digests():
    """Email each builder who wants it the failing connections of their connectors. Return emails sent."""
    failing = needs_attention(Connection.objects.all()).select_related("connector", "health", "owner")
    by_builder = defaultdict(lambda: defaultdict(list))
    for connection in failing.order_by("connector__name", "name"):
        if connection.connector.created_by_id:
            by_builder[connection.connector.created_by_id][connection.connector].append(connection)
    sent = 0
    for builder in get_user_model().objects.filter(pk__in=by_builder):
        if not wants(builder, "daily_digest"):
            continue
        connectors = [(connector, connections) for connector, connections in by_builder[builder.pk].items()]
        count = sum(len(connections) for _, connections in connectors)
        context = {"builder": builder, "connectors": connectors, "count": count,
                   "site_url": site_url("/"), "settings_url": site_url(reverse("notifications:settings"))}
        sent += bool(_send(f"Daily digest: {count} failing connection{'s' if count != 1 else ''}",
                      "notifications/email/digest.txt", context, builder))
    return sent


def _send(subject, template, context, user):
    body = render_to_string(template, context)
    try:
        return send_mail(subject, body, None, [user.email])
    except OSError as error:  # an unreachable SMTP server: the job logs it, the next change tries again
        logger.warning("Could not send %r to user %s: %s", subject, user.pk, error)
        return 0
