import hmac

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import checks, metrics


@never_cache
@require_GET
def healthz(request):
    """For load balancers: 200 when the database, the queue and the cache answer, 503 otherwise."""
    healthy, results = checks.run()
    body = {"status": "ok" if healthy else "unavailable", **results}
    if healthy:
        body["consumer_last_seen_seconds"] = checks.consumers_seen()
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@require_GET
def prometheus(request):
    """Prometheus metrics; a 404 unless CONNECTORS_METRICS_TOKEN is set, then only with that bearer token."""
    token = settings.CONNECTORS_METRICS_TOKEN
    if not token:
        raise Http404("Metrics are off.")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("A bearer token is needed.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")
