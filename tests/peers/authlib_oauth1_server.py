"""A second OAuth1 (RFC 5849) provider for the tests, built on Authlib's Flask server endpoints.

Authlib answers the request-token call with ``oauth_callback_confirmed=True`` (capital T) and
sends a denial back as ``?error=access_denied&error_description=...`` without ``oauth_token``:
two ways real providers differ from the oauthlib peer (``oauth1_server.py``). The routes and
the helper object mirror that peer's, so a test can run against either:
/request_token, /authorize (GET with auto_approve=1 approves; POST decision=deny denies),
/access_token, /revoke, the protected resource /api/me, and the request counter.
"""

import json
import threading
from collections import Counter
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth1 import (
    AuthorizationServer, ResourceProtector, create_exists_nonce_func, current_credential, register_nonce_hooks,
    register_temporary_credential_hooks,
)
from authlib.oauth1 import ClientMixin, TokenCredentialMixin
from flask import Flask, Response, request
from werkzeug.serving import make_server

from tests.peers.oauth1_server import OAuth1Peer, _QuietHandler

SIGNATURE_METHODS = ["HMAC-SHA1", "PLAINTEXT"]


class MemoryCache:
    """The get/set/has/delete cache Authlib's hooks expect, in a dict (expiry ignored: tests are short)."""

    def __init__(self):
        self._values, self._lock = {}, threading.Lock()

    def get(self, key):
        with self._lock:
            return self._values.get(key)

    def set(self, key, value, timeout=None):
        with self._lock:
            self._values[key] = value

    def has(self, key):
        with self._lock:
            return key in self._values

    def delete(self, key):
        with self._lock:
            self._values.pop(key, None)


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str = field(repr=False)

    def get_default_redirect_uri(self):
        return None

    def get_client_secret(self):
        return self.client_secret

    def get_rsa_public_key(self):
        return None


@dataclass
class TokenCredential(TokenCredentialMixin):
    oauth_token: str
    oauth_token_secret: str = field(repr=False)
    client_id: str
    user_id: str

    def get_oauth_token(self):
        return self.oauth_token

    def get_oauth_token_secret(self):
        return self.oauth_token_secret


@dataclass
class User:
    username: str

    def get_user_id(self):
        return self.username


def create_app(*, consumer_key, consumer_secret, username):
    """Return (Flask app, its token store, its request counter, the counter's lock)."""
    app = Flask("authlib-oauth1-peer")
    app.config["OAUTH1_SUPPORTED_SIGNATURE_METHODS"] = SIGNATURE_METHODS
    clients = {consumer_key: Client(consumer_key, consumer_secret)}
    tokens, counts, lock = {}, Counter(), threading.Lock()
    cache = MemoryCache()

    server = AuthorizationServer(app, query_client=clients.get)
    register_temporary_credential_hooks(server, cache)
    register_nonce_hooks(server, cache)

    def create_token_credential(token, temporary_credential):
        credential = TokenCredential(token["oauth_token"], token["oauth_token_secret"],
                                     temporary_credential.get_client_id(), temporary_credential.get_user_id())
        tokens[credential.oauth_token] = credential
        return credential

    server.register_hook("create_token_credential", create_token_credential)

    def query_token(client_id, oauth_token):
        credential = tokens.get(oauth_token)
        return credential if credential and credential.client_id == client_id else None

    require_oauth = ResourceProtector(app, query_client=clients.get, query_token=query_token,
                                      exists_nonce=create_exists_nonce_func(cache))

    @app.before_request
    def count():
        if not request.path.startswith("/faults/counts/"):
            with lock:
                counts[request.path] += 1

    @app.post("/request_token")
    def request_token():
        return server.create_temporary_credentials_response()

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        if request.method == "GET" and request.args.get("auto_approve") != "1":
            return Response("This peer approves with auto_approve=1 and denies with POST decision=deny.",
                            content_type="text/plain")
        approved = request.method == "GET" or request.form.get("decision") == "authorize"
        return server.create_authorization_response(grant_user=User(username) if approved else None)

    @app.post("/access_token")
    def access_token():
        return server.create_token_response()

    @app.route("/api/me", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @require_oauth()
    def me():
        return {"user": current_credential.user_id, "consumer_key": current_credential.client_id,
                "signature_method": request.headers.get("Authorization", "").partition(
                    'oauth_signature_method="')[2].partition('"')[0], "method": request.method,
                "provider": "authlib"}

    @app.post("/revoke")
    @require_oauth()
    def revoke():
        tokens.pop(current_credential.oauth_token, None)
        return {"revoked": True}

    @app.get("/faults/counts/")
    def counts_view():
        with lock:
            return Response(json.dumps(dict(counts)), content_type="application/json")

    return app, tokens, counts, lock


@dataclass
class AuthlibOAuth1Peer(OAuth1Peer):
    """The Authlib provider; the same URLs and helpers as the oauthlib peer's ``OAuth1Peer``."""

    signature_methods = tuple(SIGNATURE_METHODS)

    counter: Counter = field(default=None, repr=False)
    counter_lock: object = field(default=None, repr=False)

    def revoke_all_access_tokens(self):
        self.store.clear()

    def counts(self):
        with self.counter_lock:
            return dict(self.counter)

    def reset_counts(self):
        with self.counter_lock:
            self.counter.clear()


def start_authlib_oauth1_peer(*, consumer_key, consumer_secret, username="alice", host="127.0.0.1", port=0):
    """Serve a new Authlib OAuth1 provider in a daemon thread; port 0 picks a free one."""
    app, tokens, counts, lock = create_app(consumer_key=consumer_key, consumer_secret=consumer_secret,
                                           username=username)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="authlib-oauth1-peer",
                     daemon=True).start()
    return AuthlibOAuth1Peer(base_url=f"http://{host}:{server.port}", consumer_key=consumer_key,
                             consumer_secret=consumer_secret, username=username, store=tokens, _server=server,
                             counter=counts, counter_lock=lock)
