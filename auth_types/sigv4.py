"""Sign outgoing ``requests`` calls with AWS Signature Version 4, using botocore's signer.

This module is the bottom layer of the auth stack: import nothing from ``builder`` or
``connections`` here.
"""

import datetime
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import SIGV4_TIMESTAMP, S3SigV4Auth
from botocore.auth import SigV4Auth as _BotocoreSigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests.auth import AuthBase

from .base import AuthError
from .logs import drop_debug_records

__all__ = ["SigV4Auth", "canonical_parts"]


# botocore's DEBUG records of the canonical request carry the session token.
drop_debug_records("botocore.auth")

SESSION_TOKEN_HEADER = "X-Amz-Security-Token"
# Headers an earlier signing pass may have set; drop them so a re-sent request is signed afresh.
_SIGNING_HEADERS = ("Authorization", "X-Amz-Date", SESSION_TOKEN_HEADER, "X-Amz-Content-SHA256")
# Leave Content-Length unsigned, as botocore's own client does: it signs before its HTTP layer
# adds the header, whereas requests adds it while preparing, before auth runs. Leave unsigned
# too what botocore never signs and the hop-by-hop fields (RFC 9110 7.6.1) a proxy or a
# connection pool may change on the way.
_UNSIGNED = frozenset(name.lower() for name in (
    *_SIGNING_HEADERS, "Content-Length", "Expect", "Transfer-Encoding", "User-Agent", "X-Amzn-Trace-Id",
    "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade"))


def _signer(access_key, secret_key, service, region, session_token):
    """Return botocore's signer for the service; S3's also signs the payload hash header."""
    signer_class = S3SigV4Auth if service == "s3" else _BotocoreSigV4Auth
    return signer_class(Credentials(access_key, secret_key, session_token), service, region)


def _aws_request(method, url, headers, body):
    """Build the AWSRequest botocore signs from a request's wire form.

    ``headers`` is a mapping or an iterable of (name, value) pairs; repeat a name to send it
    twice. Pass the body as bytes, str (sent as UTF-8) or None.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif isinstance(body, bytearray):
        body = bytes(body)
    elif body is not None and not isinstance(body, bytes):
        raise ValueError(
            f"SigV4 signing needs the whole body up front to hash it; got a streaming body "
            f"({type(body).__name__}). Read it into bytes first."
        )
    request = AWSRequest(method=method, url=url, data=body)
    for name, value in headers.items() if hasattr(headers, "items") else headers:
        if name.lower() not in _UNSIGNED:
            request.headers[name] = value.decode("latin-1") if isinstance(value, bytes) else value
    # botocore copies a query taken from the URL verbatim, trusting it to be strictly encoded,
    # which requests does not guarantee ("a=b:c+d", raw UTF-8). Hand it the decoded pairs so it
    # encodes each name and value as SigV4 requires (as AWS does when it checks the signature).
    try:
        request.params = parse_qsl(urlsplit(url).query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise AuthError("The query string is not valid percent-encoded UTF-8, so it cannot be signed.") from None
    return request


class SigV4Auth(AuthBase):
    """Sign each request with AWS Signature Version 4 for one service and region.

    Send a session token (temporary credentials) as X-Amz-Security-Token; sign S3 requests
    with S3's rules (unnormalised path, X-Amz-Content-SHA256 payload hash).
    """

    def __init__(self, access_key, secret_key, service, region, session_token=None):
        self.access_key = access_key
        self.service = service
        self.region = region
        self._has_token = bool(session_token)
        self._signer = _signer(access_key, secret_key, service, region, session_token)

    def __repr__(self):
        token = "'***'" if self._has_token else "None"
        return (
            f"SigV4Auth(access_key={self.access_key!r}, secret_key='***', service={self.service!r}, "
            f"region={self.region!r}, session_token={token})"
        )

    def __call__(self, r):
        """Sign the prepared request ``r`` exactly as requests will send it, and return it."""
        for name in _SIGNING_HEADERS:
            r.headers.pop(name, None)
        request = _aws_request(r.method, r.url, r.headers, r.body)
        self._signer.add_auth(request)
        if isinstance(r.body, str):
            r.body = request.data  # send the very bytes that were hashed
        for name, value in request.headers.items():
            if r.headers.get(name) != value:
                r.headers[name] = value
        return r


def canonical_parts(
    method, url, headers, body, *, access_key, secret_key, service, region,
    session_token=None, timestamp=None,
):
    """Return the canonical request, string to sign and Authorization header for a request.

    Compute them with botocore's own signer methods, at ``timestamp`` (a datetime; naive means
    UTC; default now). botocore's ``add_auth`` always stamps the current time, overwriting any
    ``context['timestamp']``, so replay its steps here with the timestamp fixed instead.
    """
    signer = _signer(access_key, secret_key, service, region, session_token)
    request = _aws_request(method, url, headers, body)
    when = timestamp or datetime.datetime.now(datetime.timezone.utc)
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc)
    request.context["timestamp"] = when.strftime(SIGV4_TIMESTAMP)
    signer._modify_request_before_signing(request)  # X-Amz-Date, token, S3 payload hash
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    signer._inject_signature_to_request(request, signer.signature(string_to_sign, request))
    return {
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "authorization": request.headers["Authorization"],
    }
