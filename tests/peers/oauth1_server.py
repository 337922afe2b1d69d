"""A real OAuth1 (RFC 5849) provider the tests talk to, built on oauthlib's endpoints.

A small WSGI app over in-memory stores, served by werkzeug in a daemon thread:
/request_token, /authorize (an HTML page, or auto-approval), /access_token, /revoke and a
protected resource /api/me, plus the request counter the OAuth2 peer also has.
"""

import html
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import requests
from oauthlib.common import UNICODE_ASCII_CHARACTER_SET, add_params_to_uri
from oauthlib.oauth1 import (
    SIGNATURE_HMAC_SHA1,
    SIGNATURE_HMAC_SHA256,
    SIGNATURE_PLAINTEXT,
    RequestValidator,
    WebApplicationServer,
)
from oauthlib.oauth1.rfc5849 import errors
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

UNCOUNTED_PREFIXES = ("/faults/counts/",)
DUMMY_SECRET = "dummy-secret-that-matches-nothing"


@dataclass
class OAuth1Store:
    """What the provider remembers: consumers, tokens, seen nonces, request counts."""

    consumers: dict
    username: str
    auto_approve: bool = False
    request_tokens: dict = field(default_factory=dict)
    access_tokens: dict = field(default_factory=dict)
    nonces: set = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Validator(RequestValidator):
    """Check requests against an ``OAuth1Store``; replayed nonces are refused."""

    # PLAINTEXT belongs on https only, but the tests speak http to 127.0.0.1.
    enforce_ssl = False
    allowed_signature_methods = (SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, SIGNATURE_PLAINTEXT)
    safe_characters = set(UNICODE_ASCII_CHARACTER_SET) | set("-_.~")
    client_key_length = (3, 100)
    nonce_length = (8, 64)
    dummy_client = "dummy-client"
    dummy_request_token = "dummy-request-token"
    dummy_access_token = "dummy-access-token"

    def __init__(self, store):
        super().__init__()
        self.store = store

    def check_realms(self, realms):
        return True

    def get_client_secret(self, client_key, request):
        return self.store.consumers.get(client_key, DUMMY_SECRET)

    def get_request_token_secret(self, client_key, token, request):
        return self.store.request_tokens.get(token, {}).get("secret", DUMMY_SECRET)

    def get_access_token_secret(self, client_key, token, request):
        return self.store.access_tokens.get(token, {}).get("secret", DUMMY_SECRET)

    def get_default_realms(self, client_key, request):
        return []

    def get_realms(self, token, request):
        return self.store.request_tokens.get(token, {}).get("realms", [])

    def get_redirect_uri(self, token, request):
        return self.store.request_tokens[token]["callback"]

    def validate_client_key(self, client_key, request):
        return client_key in self.store.consumers

    def validate_request_token(self, client_key, token, request):
        return self.store.request_tokens.get(token, {}).get("client_key") == client_key

    def validate_access_token(self, client_key, token, request):
        return self.store.access_tokens.get(token, {}).get("client_key") == client_key

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None,
                                     access_token=None):
        seen = (client_key, timestamp, nonce, request_token or access_token)
        with self.store.lock:
            if seen in self.store.nonces:
                return False
            self.store.nonces.add(seen)
        return True

    def validate_redirect_uri(self, client_key, redirect_uri, request):
        return redirect_uri == "oob" or redirect_uri.startswith(("http://", "https://"))

    def validate_requested_realms(self, client_key, realms, request):
        return True

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True

    def validate_verifier(self, client_key, token, verifier, request):
        record = self.store.request_tokens.get(token, {})
        return record.get("verifier") is not None and record.get("verifier") == verifier

    def verify_request_token(self, token, request):
        return token in self.store.request_tokens

    def verify_realms(self, token, realms, request):
        return True

    def save_request_token(self, token, request):
        self.store.request_tokens[token["oauth_token"]] = {
            "secret": token["oauth_token_secret"], "client_key": request.client_key,
            "callback": request.redirect_uri, "realms": request.realms or [], "verifier": None,
        }

    def save_verifier(self, token, verifier, request):
        record = self.store.request_tokens[token]
        record["verifier"] = verifier["oauth_verifier"]
        record["user"] = self.store.username

    def invalidate_request_token(self, client_key, request_token, request):
        self.store.request_tokens.pop(request_token, None)

    def save_access_token(self, token, request):
        record = self.store.request_tokens[request.resource_owner_key]
        self.store.access_tokens[token["oauth_token"]] = {
            "secret": token["oauth_token_secret"], "client_key": request.client_key,
            "user": record.get("user", self.store.username), "realms": request.realms or [],
        }


AUTHORIZE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize access (OAuth1 peer)</title></head>
<body><h1>Authorize access to {user}'s account?</h1>
<form method="post" action="/authorize">
<input type="hidden" name="oauth_token" value="{token}">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="authorize">Authorize</button>
</form></body></html>"""


class OAuth1App:
    """The provider's WSGI application."""

    def __init__(self, store):
        self.store = store
        self.server = WebApplicationServer(Validator(store))
        self.routes = {
            "/request_token": self.request_token,
            "/authorize": self.authorize,
            "/access_token": self.access_token,
            "/revoke": self.revoke,
            "/api/me": self.me,
            "/faults/counts/": self.counts,
            "/faults/counts/reset/": self.reset_counts,
        }

    def __call__(self, environ, start_response):
        request = Request(environ)
        if not request.path.startswith(UNCOUNTED_PREFIXES):
            with self.store.lock:
                self.store.counts[request.path] += 1
        handler = self.routes.get(request.path)
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    @staticmethod
    def _signed(request):
        """Return what oauthlib needs: the URI exactly as sent, method, body, headers."""
        raw_path = request.environ.get("RAW_URI") or request.full_path
        return f"{request.scheme}://{request.host}{raw_path}", request.method, request.get_data(as_text=True), \
            dict(request.headers)

    @staticmethod
    def _answer(headers, body, status):
        return Response(body or "", status=status, headers=headers)

    def request_token(self, request):
        if request.method != "POST":
            return Response(status=405)
        return self._answer(*self.server.create_request_token_response(*self._signed(request)))

    def access_token(self, request):
        if request.method != "POST":
            return Response(status=405)
        return self._answer(*self.server.create_access_token_response(*self._signed(request)))

    def authorize(self, request):
        """GET shows the consent page (or approves with auto_approve=1); POST decides."""
        uri, method, body, headers = self._signed(request)
        try:
            self.server.get_realms_and_credentials(uri, method, body, headers)
        except errors.OAuth1Error as error:
            return Response(error.urlencoded, status=error.status_code, content_type="text/plain")
        token = request.values.get("oauth_token", "")
        auto = request.args.get("auto_approve") == "1" or self.store.auto_approve
        if method == "GET" and not auto:
            page = AUTHORIZE_PAGE.format(user=html.escape(self.store.username), token=html.escape(token))
            return Response(page, content_type="text/html")
        if method == "POST" and request.form.get("decision") != "authorize":
            return self._deny(token)
        return self._answer(*self.server.create_authorization_response(uri, method, body, headers))

    def _deny(self, token):
        """Send the user back with ``denied``, as Twitter does; the token is spent."""
        record = self.store.request_tokens.pop(token)
        return Response(status=302, headers={"Location": add_params_to_uri(record["callback"], [("denied", token)])})

    def _verified(self, request):
        """Return oauthlib's request when the signature, token and nonce are good, else None."""
        valid, oauth_request = self.server.validate_protected_resource_request(*self._signed(request))
        return oauth_request if valid else None

    def me(self, request):
        """Answer 200 with the user to a validly signed request, 401 otherwise."""
        oauth_request = self._verified(request)
        if oauth_request is None:
            return self._unauthorized()
        record = self.store.access_tokens[oauth_request.resource_owner_key]
        return Response(json.dumps({
            "user": record["user"], "consumer_key": oauth_request.client_key,
            "signature_method": oauth_request.signature_method, "method": request.method,
        }), content_type="application/json")

    def revoke(self, request):
        if request.method != "POST":
            return Response(status=405)
        oauth_request = self._verified(request)
        if oauth_request is None:
            return self._unauthorized()
        self.store.access_tokens.pop(oauth_request.resource_owner_key, None)
        return Response(json.dumps({"revoked": True}), content_type="application/json")

    @staticmethod
    def _unauthorized():
        return Response(json.dumps({"error": "invalid_signature_or_token"}), status=401,
                        content_type="application/json", headers={"WWW-Authenticate": 'OAuth realm="oauth1-peer"'})

    def counts(self, request):
        with self.store.lock:
            return Response(json.dumps(dict(self.store.counts)), content_type="application/json")

    def reset_counts(self, request):
        if request.method != "POST":
            return Response(status=405)
        with self.store.lock:
            self.store.counts.clear()
        return Response("{}", content_type="application/json")


class _QuietHandler(WSGIRequestHandler):
    """Keep werkzeug's access log out of the test output."""

    def log_request(self, *args, **kwargs):
        pass


@dataclass
class OAuth1Peer:
    """A running OAuth1 provider: its URLs, its consumer and its store (for the tests)."""

    signature_methods = ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT")

    base_url: str
    consumer_key: str
    consumer_secret: str = field(repr=False)
    username: str
    store: OAuth1Store = field(repr=False)
    _server: object = field(repr=False)

    @property
    def request_token_url(self):
        return self.base_url + "/request_token"

    @property
    def authorize_url(self):
        return self.base_url + "/authorize"

    @property
    def access_token_url(self):
        return self.base_url + "/access_token"

    @property
    def revoke_url(self):
        return self.base_url + "/revoke"

    @property
    def resource_url(self):
        return self.base_url + "/api/me"

    def approve(self, authorization_url):
        """Play the user approving at the authorization page; return the redirect to the callback."""
        answer = requests.get(authorization_url, params={"auto_approve": "1"}, allow_redirects=False, timeout=5)
        if not answer.is_redirect:
            raise AssertionError(f"The peer did not redirect: {answer.status_code} {answer.text[:500]}")
        return answer.headers["Location"]

    def deny(self, authorization_url):
        """Play the user denying at the authorization page; return the redirect to the callback."""
        token = parse_qs(urlsplit(authorization_url).query)["oauth_token"][0]
        answer = requests.post(self.authorize_url, data={"oauth_token": token, "decision": "deny"},
                               allow_redirects=False, timeout=5)
        if not answer.is_redirect:
            raise AssertionError(f"The peer did not redirect: {answer.status_code} {answer.text[:500]}")
        return answer.headers["Location"]

    def revoke_all_access_tokens(self):
        """Forget every access token issued, as a provider does when a user revokes the application."""
        with self.store.lock:
            self.store.access_tokens.clear()

    def counts(self):
        with self.store.lock:
            return dict(self.store.counts)

    def reset_counts(self):
        with self.store.lock:
            self.store.counts.clear()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


def start_oauth1_peer(*, consumer_key, consumer_secret, username="alice", host="127.0.0.1", port=0):
    """Serve a new OAuth1 provider in a daemon thread; port 0 picks a free one."""
    store = OAuth1Store(consumers={consumer_key: consumer_secret}, username=username)
    server = make_server(host, port, OAuth1App(store), threaded=True, request_handler=_QuietHandler)
    # A short poll interval makes stop() return in ~50 ms rather than werkzeug's 0.5 s.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="oauth1-peer",
                     daemon=True).start()
    return OAuth1Peer(base_url=f"http://{host}:{server.port}", consumer_key=consumer_key,
                      consumer_secret=consumer_secret, username=username, store=store, _server=server)


if __name__ == "__main__":
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="python -m tests.peers.oauth1_server")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument("--consumer-key", default="connectors-consumer-key")
    parser.add_argument("--consumer-secret", default="connectors-consumer-secret")
    options = parser.parse_args()
    peer = start_oauth1_peer(consumer_key=options.consumer_key, consumer_secret=options.consumer_secret,
                             port=options.port)
    print(f"OAuth1 peer listening on {peer.base_url}/", flush=True)
    while True:
        time.sleep(3600)
