"""/metrics in Prometheus' text format, read from the database at scrape time, so that every web worker
and consumer on every machine is counted without a shared metrics store; except the outbound call latency
summary, which the answering process counts in memory (connections.latency)."""

import datetime

from django.db.models import Avg, Count, Max, Q
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from connections import latency as call_latency
from connections.models import Connection, ConnectionEvent
from health.models import HealthCheck
from health.services import Health, health_of
from jobs.models import PeriodicRun
from webhooks.models import WebhookAttempt, WebhookDelivery

RECENT = datetime.timedelta(hours=1)


def _labels(**labels):
    if not labels:
        return ""
    text = ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items())
    return "{" + text + "}"


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Exposition:
    def __init__(self):
        self.lines = []

    def metric(self, name, kind, help_text, samples):
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            self.lines.append(f"{name}{_labels(**labels)} {value}")

    def summary(self, name, help_text, samples):
        """samples: (labels, count, sum) rows, written as name_count and name_sum."""
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} summary")
        for labels, count, total in samples:
            self.lines.append(f"{name}_count{_labels(**labels)} {count}")
            self.lines.append(f"{name}_sum{_labels(**labels)} {round(total, 6)}")

    def text(self):
        return "\n".join(self.lines) + "\n"


def render():
    now = timezone.now()
    out = Exposition()

    states = dict.fromkeys(Health.values, 0)
    for connection in Connection.objects.select_related("health").only(
            "enabled", "status", "last_test_at", "health__failing_since", "health__last_checked_at"):
        states[health_of(connection)] += 1
    out.metric("connectors_connections", "gauge", "Connections by health.",
               [({"health": state}, count) for state, count in states.items()])

    events = ConnectionEvent.objects.aggregate(
        refreshed=Count("pk", filter=Q(action=ConnectionEvent.Action.REFRESHED)),
        failed=Count("pk", filter=Q(action=ConnectionEvent.Action.FAILED, detail__startswith="Refresh")))
    out.metric("connectors_token_refreshes_total", "counter",
               "Token refreshes recorded in the connections' audit trails, by result.",
               [({"result": "refreshed"}, events["refreshed"]), ({"result": "failed"}, events["failed"])])

    recent = HealthCheck.objects.filter(checked_at__gte=now - RECENT)
    outcomes = dict(recent.values_list("outcome").annotate(count=Count("pk")))
    out.metric("connectors_health_checks_last_hour", "gauge", "Health checks made in the last hour, by outcome.",
               [({"outcome": outcome}, outcomes.get(outcome, 0)) for outcome in HealthCheck.Outcome.values])
    latencies = (recent.filter(latency_ms__isnull=False).values("connection__connector__link_name")
                 .annotate(average=Avg("latency_ms"), slowest=Max("latency_ms"), count=Count("pk"))
                 .order_by("connection__connector__link_name"))
    out.metric("connectors_outbound_latency_seconds", "gauge",
               "Latency of the calls made through connections by health checks in the last hour, by connector.",
               [sample for row in latencies for sample in (
                   ({"connector": row["connection__connector__link_name"], "stat": "average"},
                    round(row["average"] / 1000, 4)),
                   ({"connector": row["connection__connector__link_name"], "stat": "max"},
                    round(row["slowest"] / 1000, 4)))])
    out.summary("connectors_outbound_call_seconds",
                "Duration of the calls made through connections (API calls and health checks), by connector, "
                "counted by the process that answers this scrape since it started.",
                [({"connector": name}, count, total) for name, (count, total) in call_latency.snapshot().items()])

    deliveries = dict(WebhookDelivery.objects.values_list("status").annotate(count=Count("pk")))
    out.metric("connectors_webhook_deliveries", "gauge", "Webhook deliveries by status.",
               [({"status": status}, deliveries.get(status, 0)) for status in WebhookDelivery.Status.values])
    attempts = WebhookAttempt.objects.filter(attempted_at__gte=now - RECENT).aggregate(
        delivered=Count("pk", filter=Q(succeeded=True)), failed=Count("pk", filter=Q(succeeded=False)))
    out.metric("connectors_webhook_attempts_last_hour", "gauge", "Webhook delivery attempts in the last hour.",
               [({"result": name}, count) for name, count in attempts.items()])

    out.metric("connectors_queue_pending", "gauge", "Tasks waiting in the queue.", [({}, HUEY.pending_count())])
    last_runs = PeriodicRun.objects.values("job").annotate(last=Max("started_at")).order_by("job")
    out.metric("connectors_periodic_job_last_run_timestamp_seconds", "gauge",
               "When each periodic job last ran (Unix time).",
               [({"job": row["job"]}, int(row["last"].timestamp())) for row in last_runs])
    return out.text()
