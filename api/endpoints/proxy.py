"""/api/v1/proxy/<connection link name>/<path>: call the connector's API through the connection."""

import logging
import time

from django.http import Http404, HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from ninja import Router

from connections import masking, services
from connections.errors import ConnectionUnavailable, DestinationRefused
from connectors_site import outbound

from .. import problems, proxy
from ..authentication import TokenAuth, no_token, require
from ..problems import Problem
from ..scopes import Scope
from .common import error_responses

logger = logging.getLogger(__name__)
router = Router(tags=["proxy"])
AUTH = TokenAuth(reads_named_connection=True)  # the token and the connection its call names, in one query

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
DESCRIPTION = (
    "Any method. The request goes to the connector's Base URL joined with `path` (it cannot leave it), with "
    "the query string, the body and an allowlist of headers (" + ", ".join(proxy.REQUEST_HEADERS) + "), and "
    "the connection's authentication applied. The answer comes back as the API gave it (status, headers "
    "without hop-by-hop or credential headers, the body streamed). `X-Proxy-Retry: N` (at most "
    f"{proxy.MAX_RETRIES}) retries a 429 or 503 after its Retry-After, when that is short enough. "
    "Problems of the proxy itself are problem details; the API's own answers are passed on whatever they are."
)


def _own(request):
    """The token user's connection that the address names, with its connector (read with the token)."""
    connection = getattr(request.auth, "named_connection", None)  # select_related sets it only when found
    if connection is None:
        raise Http404
    return connection


def _call(request, path):
    """Return (connection, the upstream's response, its body not read yet)."""
    require(request, Scope.PROXY)
    connection = _own(request)
    try:
        url = proxy.target_url(connection.connector.base_url, path, request.META.get("QUERY_STRING", ""),
                               raw_path=request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or "")
    except proxy.PathRefused as error:
        raise Problem(400, str(error), errors=[{"detail": str(error), "parameter": "path"}]) from None
    body = request.body or None
    retries = proxy.retries_asked(request.META)
    request.auth.count_proxy_call()
    while True:
        response = _send(request, connection, url, body)
        wait = proxy.retry_after_seconds(response)
        if not (retries and response.status_code in proxy.RETRY_STATUSES and wait is not None
                and wait <= proxy.retry_wait_cap()):
            return connection, response
        retries -= 1
        response.close()
        time.sleep(wait)


def _send(request, connection, url, body):
    try:
        return services.connection_request(
            connection, request.method, url, headers=proxy.request_headers(request.META), data=body,
            user=request.auth.user, timeout=proxy.timeout(), stream=True, allow_redirects=False)
    except DestinationRefused as error:
        raise Problem(400, str(error)) from None
    except ConnectionUnavailable as error:
        raise Problem(409, str(error)) from None
    except outbound.OutboundTimeout as error:
        raise Problem(504, str(error)) from None
    except outbound.OutboundError as error:
        raise Problem(502, str(error)) from None


def _relay(connection, response):
    """Pass the upstream's answer on: streamed, unless its body was small enough to be read already; a failure
    mid-body can only end the stream (the status is sent)."""
    # The masker of the credentials the call used, when the call path gives one; else the connection's.
    masker = getattr(response, "masker", None) or services.connection_masker(connection)

    def body():
        # Masked as it streams: only a chunk's tail that could begin a credential waits for the next chunk.
        stream = masking.StreamMasker(masker)
        try:
            for chunk in outbound.stream_body(response, max_bytes=proxy.max_bytes()):
                if sent := stream.feed(chunk):
                    yield sent
        except outbound.OutboundError as error:
            logger.warning("Proxy stream ended early: %s", error)
        if rest := stream.close():
            yield rest

    if response.body_pending or response.request.method == "HEAD":  # a HEAD's answer says no length of its own
        answer = StreamingHttpResponse(body(), status=response.status_code, reason=response.reason or None)
        answer._resource_closers.append(response.close)  # also when the body is never read (a HEAD, a client gone)
    else:  # a body small enough to have been read whole (outbound.STREAM_READ_AHEAD): sent in one piece
        answer = HttpResponse(masking.StreamMasker(masker).whole(response.content), status=response.status_code,
                              reason=response.reason or None)
    answer.proxied = True  # the third party's answer, passed on as it is (api.middleware)
    for name, value in proxy.response_headers(response, masker):
        answer[name] = value
    return answer


def respond(request, link_name, path):
    """The proxy's answer to `request`, made to the address's link name and path (the one implementation).

    The API's handler calls it straight from its middleware, unresolved (settings.API_DIRECT_ROUTES,
    connectors_site/handlers.py), so it answers everything django-ninja would: the method, the token
    (request.auth), and its refusals as problem details. The operations below document it in the schema and
    serve it where a handler without the direct routes resolves the address."""
    if request.method not in METHODS:
        return HttpResponseNotAllowed(METHODS)
    try:
        request.auth = AUTH(request)  # ninja's reading of Authorization: Bearer, then TokenAuth.authenticate
        if request.auth is None:
            raise no_token()
        return _relay(*_call(request, path))
    except Problem as problem:
        return problems.answer(problem)
    except Http404:
        return problems.answer(problems.NOT_FOUND)


# Authentication is respond()'s own; the schema names it as for every other operation.
DOCUMENTED = {"response": error_responses(409, 502, 504), "auth": None,
              "openapi_extra": {"security": [{AUTH.__class__.__name__: []}]}, "description": DESCRIPTION}


@router.api_operation(METHODS, "/proxy/{link_name}/{path:path}", summary="Call the API through a connection",
                      **DOCUMENTED)
def proxy_call(request, link_name: str, path: str):
    return respond(request, link_name, path)


@router.api_operation(METHODS, "/proxy/{link_name}/", summary="Call the API's Base URL itself through a connection",
                      **DOCUMENTED)
def proxy_call_base(request, link_name: str):
    return respond(request, link_name, "")
