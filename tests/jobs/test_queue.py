"""The queue: real consumer processes (SqliteHuey on the SQLite run, RedisHuey on the PostgreSQL run),
periodic jobs once per tick however many consumers enqueue them."""

import datetime
import time

import pytest
from django.utils import timezone

from connections.models import ConnectionEvent
from health.models import ConnectionHealth, HealthCheck
from health import tasks as health_tasks
from jobs import tasks
from notifications import tasks as notification_tasks
from webhooks import tasks as webhook_tasks
from jobs.models import PeriodicRun
from tests.jobs.queue import consumers, wait_for

TOKEN_PATH = "/o/token/"


def refreshed(connection):
    return connection.events.filter(action=ConnectionEvent.Action.REFRESHED).exists()


@pytest.mark.django_db
def test_a_periodic_job_runs_once_per_tick_however_often_it_is_enqueued():
    tick = "2026-11-30T12:00:00"
    assert tasks.proactive_refresh.call_local(tick=tick) == "0 due"
    assert tasks.proactive_refresh.call_local(tick=tick) is None  # another consumer's copy: skipped
    assert tasks.proactive_refresh.call_local(tick="2026-11-30T12:01:00") == "0 due"
    runs = PeriodicRun.objects.filter(job="proactive_refresh")
    assert [run.tick.isoformat() for run in runs] == ["2026-11-30T12:01:00+00:00", "2026-11-30T12:00:00+00:00"]
    assert all(run.finished_at and run.outcome == "0 due" for run in runs)


@pytest.mark.django_db
def test_old_claims_are_deleted_when_a_job_runs():
    tasks.proactive_refresh.call_local(tick="2026-11-01T12:00:00")
    tasks.proactive_refresh.call_local(tick="2026-11-30T12:00:00")
    assert PeriodicRun.objects.filter(job="proactive_refresh").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_consumer_refreshes_a_token_due_soon_and_checks_health(oauth2_connection, oauth2_provider):
    connection = oauth2_connection(expires_in=300)
    type(connection.connector).objects.filter(pk=connection.connector_id).update(
        test_url=oauth2_provider.resource_url)
    ConnectionHealth.objects.create(connection=connection, next_check_at=timezone.now())  # due now
    with consumers(1) as started:
        # A consumer's scheduler enqueues the periodic jobs when it starts, then every minute.
        wait_for(lambda: refreshed(connection), what="the proactive refresh", consumers=started)
        wait_for(lambda: HealthCheck.objects.filter(connection=connection).exists(), what="the health check",
                 consumers=started)
    assert HealthCheck.objects.get(connection=connection).outcome == HealthCheck.Outcome.OK
    assert oauth2_provider.counts().get(TOKEN_PATH, 0) == 1
    connection.refresh_from_db()
    assert connection.token_expires_at > timezone.now() + datetime.timedelta(minutes=30)
    assert PeriodicRun.objects.filter(job="proactive_refresh").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_consumers_on_redis_run_each_periodic_job_once(oauth2_connection, oauth2_provider):
    connection = oauth2_connection(expires_in=300)
    minute_tasks = (tasks.proactive_refresh, health_tasks.schedule_health_checks,
                    notification_tasks.notify_connection_problems, webhook_tasks.retry_webhook_deliveries)
    minute_jobs = [task.job for task in minute_tasks]

    def skipped(logs, job):
        return sum(log.count(f"{job} for ") for log in logs)

    # Both schedulers enqueue the periodic jobs as they start: start them well within one minute.
    if timezone.now().second > 30:
        time.sleep(61 - timezone.now().second)
    with consumers(2, backend="redis") as started:
        wait_for(lambda: refreshed(connection), what="the proactive refresh", consumers=started)
        wait_for(lambda: all(skipped([consumer.log() for consumer in started], job) for job in minute_jobs),
                 what="the second consumer's copies of the jobs", consumers=started)
        logs = [consumer.log() for consumer in started]
    for task, job in zip(minute_tasks, minute_jobs):
        assert sum(log.count(f"Executing {task.task_class.__module__}.{job}:") for log in logs) == 2, (job, logs)
        assert skipped(logs, job) == 1, (job, logs)
        assert PeriodicRun.objects.filter(job=job).count() == 1, job
    assert oauth2_provider.counts().get(TOKEN_PATH, 0) == 1



@pytest.mark.django_db(transaction=True)
def test_a_real_consumer_delivers_webhooks_and_sends_email(make_user, httpbin_url):
    """Through the queue: a webhook delivery to a receiver verifying its signature, and a notification
    through a real SMTP server, both sent by the consumer process."""
    from aiosmtpd.controller import Controller

    from builder.models import Connector
    from connections import services as connection_services
    from connections.models import Connection
    from tests.connections.conftest import BEARER_CONFIG
    from tests.notifications.conftest import Inbox
    from tests.peers.servers import free_port
    from tests.webhooks.receiver import Receiver
    from webhooks import services as webhooks
    from webhooks.models import WebhookDelivery

    receiver, inbox = Receiver().start(), Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        owner = make_user("queued")
        owner.email = "queued@example.test"
        owner.save()
        connector = Connector.objects.create(name="Queued", link_name="queued", auth_type="bearer",
                                             config=BEARER_CONFIG, stage="ready", test_url=f"{httpbin_url}/bearer",
                                             base_url=httpbin_url)
        # Broken before the consumer starts: its first notification round (at start) tells the owner.
        broken = connection_services.connection_create(connector=connector, owner=owner, name="Queued one",
                                                       secrets={"token": "tok-123456"})
        Connection.objects.filter(pk=broken.pk).update(status=Connection.Status.NEEDS_REAUTHORIZATION)
        endpoint, receiver.secret = webhooks.endpoint_create(url=receiver.url, event_types=["connection.created"])
        environment = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "SMTP_HOST": "127.0.0.1",
                       "SMTP_PORT": str(smtp.port)}
        with consumers(1, environment=environment) as started:
            connection_services.connection_create(connector=connector, owner=owner, name="Queued two",
                                                  secrets={"token": "tok-654321"})
            wait_for(lambda: receiver.received, what="the webhook delivery", consumers=started)
            wait_for(lambda: inbox.messages, what="the notification email", consumers=started)
        assert receiver.refused == [] and receiver.received[0]["payload"]["type"] == "connection.created"
        assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED
        assert inbox.messages[0]["to"] == ["queued@example.test"]
        assert inbox.messages[0]["subject"] == "Queued one (Queued): needs reauthorization"
    finally:
        smtp.stop()
        receiver.stop()
