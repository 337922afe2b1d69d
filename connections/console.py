"""The request console's memory and its copy-as-curl: requests sent from the page, kept per connection."""

import shlex

from django.db import transaction
from django.utils import timezone

from connectors_site.crypto import is_undecryptable

from .models import ConsoleRequest

KEEP = 10  # recent requests kept per connection
FIELDS = ("method", "url", "params", "headers", "body_type", "body")
# Headers curl sets by itself.
CURL_SKIPS = {"content-length", "connection", "accept-encoding"}


def console_fields(data):
    """Return the console form's fields as typed (what is kept and offered again)."""
    return {name: str(data.get(name, "")) for name in FIELDS}


def remember_request(connection, fields):
    """Keep `fields` first among the connection's recent requests (once, however often sent).

    A request sent again while it is already the newest one changes nothing: no write, no commit. Then the
    requests read to know it are returned, newest first, for recent_requests (`kept`): no second query.
    Otherwise None.
    """
    kept = list(connection.console_requests.all()[:KEEP])
    if kept and kept[0].request == fields:
        return kept
    _remember(connection, fields)
    return None


@transaction.atomic
def _remember(connection, fields):
    now = timezone.now()
    kept = list(connection.console_requests.all()[:KEEP])
    same = next((saved for saved in kept if saved.request == fields), None)
    if same:
        ConsoleRequest.objects.filter(pk=same.pk).update(sent_at=now)
    else:
        ConsoleRequest.objects.create(connection=connection, request=fields, sent_at=now)
    stale = list(connection.console_requests.values_list("pk", flat=True)[KEEP:])
    if stale:
        ConsoleRequest.objects.filter(pk__in=stale).delete()


def recent_requests(connection, masker, kept=None):
    """Return [(pk, label)] of the connection's recent requests, newest first, credentials masked.

    `kept`: those requests as remember_request returned them (None: read them).
    """
    recent = []
    for saved in connection.console_requests.all()[:KEEP] if kept is None else kept:
        if is_undecryptable(saved.request) or not isinstance(saved.request, dict):
            continue  # kept under a key that is gone: nothing to offer
        recent.append((saved.pk, f"{saved.request.get('method', '')} {masker.url(saved.request.get('url', ''))}"))
    return recent


def recent_request(connection, pk, masker):
    """Return the console fields of one recent request (masked), or None."""
    saved = connection.console_requests.filter(pk=pk).first() if str(pk).isdigit() and int(pk) < 2**63 else None
    if saved is None or is_undecryptable(saved.request) or not isinstance(saved.request, dict):
        return None
    return {name: masker.text(str(saved.request.get(name, ""))) for name in FIELDS}


def curl_command(sent):
    """Return the request as sent (already masked) as a curl command line."""
    parts = ["curl"]
    if sent["method"] != "GET":
        parts += ["-X", sent["method"]]
    parts.append(shlex.quote(sent["url"]))
    for name, value in sent["headers"]:
        if name.lower() not in CURL_SKIPS:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if sent["body"]:
        parts += ["--data-binary", shlex.quote(sent["body"])]
    return " ".join(parts)
