"""Token endpoints that misbehave the way real providers do, and the request counter.

The re-encoding faults proxy DOT's real token endpoint, so the tokens they hand out are
real and /api/me/ accepts them.
"""

import datetime
import hashlib
import json
import time
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import AccessToken

from tests.peers.oauth2_server import runtime
from tests.peers.oauth2_server.views import token as _token_view

MAX_SLOW_SECONDS = 60
# What a provider that grants less than asked reports (and really grants).
NARROWED_SCOPE = "read"

def _proxy_token_request(request):
    """Answer as DOT's token endpoint, which refuses URLs with a query: hide ours from it."""
    request.GET = request.GET.copy()
    request.META["QUERY_STRING"] = ""
    return _token_view(request)


def _real_token(request):
    """Return DOT's answer to this token request and its JSON body (None when not 200)."""
    response = _proxy_token_request(request)
    if response.status_code != 200:
        return response, None
    return response, json.loads(response.content)


@csrf_exempt
def token_500(request):
    return HttpResponse("Internal Server Error", status=500, content_type="text/plain")


@csrf_exempt
def token_slow(request):
    """Sleep ``seconds`` (default 5), then answer like the real token endpoint."""
    try:
        seconds = min(float(request.GET.get("seconds", "5")), MAX_SLOW_SECONDS)
    except ValueError:
        return HttpResponse("seconds must be a number", status=400, content_type="text/plain")
    time.sleep(max(seconds, 0))
    return _proxy_token_request(request)


@csrf_exempt
def token_garbage(request):
    return HttpResponse("<html><body>Service temporarily unavailable {{not json", content_type="text/html")


@csrf_exempt
def token_redirect(request):
    """Answer 307 to ``to``: a client that follows it re-sends its credentials there."""
    response = HttpResponse(status=307)
    response["Location"] = request.GET.get("to", "/o/token/")
    return response


@csrf_exempt
def invalid_grant(request):
    return JsonResponse({"error": "invalid_grant", "error_description": "The grant is invalid."}, status=400)


@csrf_exempt
def token_form(request):
    """Answer a real token form-encoded with a lower-case token type, as GitHub does."""
    response, token = _real_token(request)
    if token is None:
        return response
    token["token_type"] = token["token_type"].lower()
    return HttpResponse(urlencode(token), content_type="application/x-www-form-urlencoded")


@csrf_exempt
def token_quirks(request):
    """Answer a real token, bent as the query asks.

    expires_in=string|missing, token_type=missing|lower, scope=granted-differs (the token
    really is narrowed to "read"), expiry=epoch|epoch_ms|iso (expires_in replaced by expires_at,
    the absolute time), nest=<key> (the token inside {"<key>": {...}}; a.b nests deeper).
    """
    response, token = _real_token(request)
    if token is None:
        return response
    quirks = request.GET
    if quirks.get("expires_in") == "string":
        token["expires_in"] = str(token["expires_in"])
    elif quirks.get("expires_in") == "missing":
        token.pop("expires_in", None)
    if quirks.get("token_type") == "missing":
        token.pop("token_type", None)
    elif quirks.get("token_type") == "lower":
        token["token_type"] = token["token_type"].lower()
    if quirks.get("scope") == "granted-differs":
        _narrow_scope(token["access_token"])
        token["scope"] = NARROWED_SCOPE
    if quirks.get("expiry") in ("epoch", "epoch_ms", "iso"):
        at = time.time() + token.pop("expires_in")
        token["expires_at"] = {"epoch": int(at), "epoch_ms": int(at * 1000),
                               "iso": datetime.datetime.fromtimestamp(at, datetime.timezone.utc).isoformat()}[
            quirks["expiry"]]
    if quirks.get("nest"):
        for key in reversed(quirks["nest"].split(".")):
            token = {key: token}
    return JsonResponse(token)


@csrf_exempt
def token_strict(request):
    """Answer like the real token endpoint, but only to the body format the query names (body=json: a JSON
    object, as Square requires; else a form) carrying every parameter named expect.<name>=<value>.

    Anything else is an invalid_request, as strict providers answer.
    """
    content_type = request.content_type
    if request.GET.get("body") == "json":
        if content_type != "application/json":
            return _invalid_request(f"This endpoint accepts application/json only, not {content_type or 'nothing'}.")
        try:
            fields = json.loads(request.body)
        except ValueError:
            return _invalid_request("The body is not JSON.")
        if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
            return _invalid_request("The body must be a JSON object of strings.")
    elif content_type != "application/x-www-form-urlencoded":
        return _invalid_request(f"This endpoint accepts a form only, not {content_type or 'nothing'}.")
    else:
        fields = {name: request.POST[name] for name in request.POST}
    for name, value in request.GET.items():
        if name.startswith("expect.") and fields.get(name[len("expect."):]) != value:
            return _invalid_request(f"The parameter {name[len('expect.'):]} is missing or wrong.")
    request.POST = QueryDict(urlencode(fields))
    request._body = urlencode(fields).encode()
    request.META["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    return _proxy_token_request(request)


def _invalid_request(description):
    return JsonResponse({"error": "invalid_request", "error_description": description}, status=400)


def _narrow_scope(access_token):
    checksum = hashlib.sha256(access_token.encode("utf-8")).hexdigest()
    AccessToken.objects.filter(token_checksum=checksum).update(scope=NARROWED_SCOPE)


def counts(request):
    """Answer {path: number of requests} since the start or the last reset."""
    return JsonResponse(runtime.counts())


@csrf_exempt
@require_POST
def reset_counts(request):
    runtime.reset_counts()
    return JsonResponse({})
