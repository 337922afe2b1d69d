"""Signed webhooks (issue 10 item 4), following the Standard Webhooks specification.

emit() records one delivery per subscribed endpoint and enqueues it once the transaction commits;
attempt() POSTs the payload through the outbound client (the SSRF guard applies, no redirects),
signed with the endpoint's secret (webhook-id, webhook-timestamp, webhook-signature), and logs the
attempt. A failure is tried again after 1, 2, 4, 8, 16 and 32 minutes (7 attempts over about an
hour) by the retry job, then the delivery is Failed; Redeliver sends it again as a new attempt.
"""

import base64
import datetime
import json
import secrets
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from connectors_site import outbound

from .models import EVENT_TYPES, TEST_EVENT, WebhookAttempt, WebhookDelivery, WebhookEndpoint

RETRY_DELAYS = [datetime.timedelta(minutes=minutes) for minutes in (1, 2, 4, 8, 16, 32)]
EVENT_NAMES = {name for name, _ in EVENT_TYPES}


def new_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def endpoint_create(*, url, event_types, description="", user=None):
    """Make an endpoint with a new signing secret; return (endpoint, the secret to show once)."""
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(url=url, event_types=list(event_types), description=description,
                                              created_by=user, secret={"signing_secret": secret})
    return endpoint, secret


def emit(event_type, data, *, endpoints=None):
    """Record `event_type` with `data` (never a secret) for each active endpoint that wants it; the queue
    delivers each once the current transaction commits. Return the deliveries."""
    if endpoints is None:
        endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(active=True)
                     if event_type in endpoint.event_types]
    deliveries = []
    for endpoint in endpoints:
        message_id = f"msg_{uuid.uuid4().hex}"
        payload = json.dumps({"type": event_type, "timestamp": timezone.now().isoformat(), "data": data},
                             sort_keys=True, separators=(",", ":"))
        deliveries.append(WebhookDelivery.objects.create(endpoint=endpoint, message_id=message_id,
                                                         event_type=event_type, payload=payload,
                                                         next_attempt_at=timezone.now()))
    if deliveries:
        from .tasks import deliver

        pks = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: [deliver(pk) for pk in pks])
    return deliveries


def send_test_event(endpoint):
    return emit(TEST_EVENT, {"endpoint": endpoint.pk, "message": "A test event from Custom Connectors."},
                endpoints=[endpoint])[0]


def signed_headers(endpoint, delivery, when):
    signature = Webhook(endpoint.signing_secret()).sign(delivery.message_id, when, delivery.payload)
    return {"webhook-id": delivery.message_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": signature, "content-type": "application/json",
            "user-agent": "Custom-Connectors-Webhooks/1"}


LEASE = datetime.timedelta(minutes=10)  # a claimed delivery is left alone this long (beyond any timeout)


def claim(pk, now=None):
    """Take the pending delivery `pk` if its attempt is due: only one consumer gets it. Return it or None."""
    now = now or timezone.now()
    taken = WebhookDelivery.objects.filter(pk=pk, status=WebhookDelivery.Status.PENDING,
                                           next_attempt_at__lte=now).update(next_attempt_at=now + LEASE)
    return WebhookDelivery.objects.select_related("endpoint").get(pk=pk) if taken else None


def due(now=None):
    """The pks of pending deliveries whose next attempt is due (the retry job enqueues them)."""
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
                .values_list("pk", flat=True)[:5000])


def attempt(delivery):
    """POST the (claimed) delivery once now; log the attempt and schedule the next one or settle it.
    Return the attempt."""
    endpoint = delivery.endpoint
    now = timezone.now()
    started = time.monotonic()
    status_code, error = None, ""
    try:
        response = outbound.send("POST", endpoint.url, data=delivery.payload.encode(),
                                 headers=signed_headers(endpoint, delivery, now),
                                 timeout=settings.CONNECTORS_WEBHOOK_TIMEOUT, allow_redirects=False,
                                 max_bytes=64 * 1024)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code} {response.reason or ''}".strip()
    except outbound.OutboundError as failure:
        error = str(failure)
    record = WebhookAttempt.objects.create(delivery=delivery, attempted_at=now, succeeded=not error,
                                           status_code=status_code, error=error[:500],
                                           duration_ms=int((time.monotonic() - started) * 1000))
    delivery.attempt_count += 1
    if not error:
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.SUCCEEDED, None
    elif delivery.retries < len(RETRY_DELAYS):
        delivery.next_attempt_at = timezone.now() + RETRY_DELAYS[delivery.retries]
        delivery.retries += 1
    else:
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
    delivery.save(update_fields=["status", "attempt_count", "retries", "next_attempt_at"])
    return record


def redeliver(delivery):
    """Send a delivery again (Redeliver): the same message, a new round of attempts and retries."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.PENDING, retries=0,
                                                          next_attempt_at=timezone.now())
    from .tasks import deliver

    pk = delivery.pk
    transaction.on_commit(lambda: deliver(pk))
