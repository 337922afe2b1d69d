"""An OAuth 2.0 provider for the tests that verifies JWTs (RFC 7523), built on Authlib's Flask server.

What it does that django-oauth-toolkit (oauth2_server/) does not:

- client authentication by JWT assertion (RFC 7523 section 2.2): ``private_key_jwt`` (the
  assertion verified with the client's registered public key) and ``client_secret_jwt`` (HS256
  with the client secret), each jti accepted once, the audience checked;
- the JWT bearer grant (RFC 7523 section 2.1): a service account's assertion, verified with its
  registered public key, for a subject (a user of the provider) or for itself.

Also the authorization code grant (PKCE when sent), client credentials, refresh, revocation
(RFC 7009) with the same client authentication methods, and a protected resource ``/api/me``
that says who the token is for and how the client authenticated when the token was issued.
Everything is in memory; a test registers its own clients and keys (generated with
``cryptography``), so none is committed. Routes: /authorize (GET; ``auto_approve=1`` approves
and ``deny=1`` denies), /token, /revoke, /api/me, /faults/counts/.
"""

import json
import os
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion, JWTBearerGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import Flask, Response, request
from joserfc.jwk import ECKey, OctKey, RSAKey
from werkzeug.serving import make_server

from tests.peers.oauth1_server import _QuietHandler

# Authlib refuses http:// unless told (the peer runs on loopback without TLS).
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt",
                       "tls_client_auth"]
SCOPES = {"read", "write"}
USERNAME = "alice"


@dataclass
class Client:
    """A registered client: its one authentication method and what that method checks against."""

    client_id: str
    auth_method: str
    client_secret: str = field(default="", repr=False)
    public_key_pem: str = ""  # private_key_jwt: the key the assertion is verified with
    redirect_uris: list = field(default_factory=list)
    grant_types: tuple = ("authorization_code", "client_credentials", "refresh_token")
    jwt_issuer: str = ""  # the JWT bearer grant: the iss its assertions carry (a service account)
    tls_subject: str = ""  # tls_client_auth (RFC 8705 2.1.2): the subject DN its certificate must have

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return " ".join(value for value in (scope or "").split() if value in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return bool(self.client_secret) and secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types

    def public_key(self):
        key = load_pem_public_key(self.public_key_pem.encode())
        return (ECKey if isinstance(key, ec.EllipticCurvePublicKey) else RSAKey).import_key(self.public_key_pem)


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str | None
    code_challenge_method: str | None

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


@dataclass
class Token:
    access_token: str
    client_id: str
    scope: str
    user: str | None
    issued_at: float
    expires_in: int
    auth_method: str
    grant_type: str
    refresh_token: str | None = None
    revoked: bool = False

    def check_client(self, client):
        return client.client_id == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return self.user

    def get_client(self):
        return None


@dataclass
class User:
    username: str

    def get_user_id(self):
        return self.username


class Store:
    """The peer's memory, with one lock: clients, codes, tokens, seen jtis, and what was asked of it."""

    def __init__(self):
        self.lock = threading.RLock()
        self.clients, self.codes, self.tokens, self.jtis = {}, {}, {}, set()
        self.counts = Counter()
        self.token_requests = []  # {"grant_type", "auth_method", "client_id"} per issued token
        self.expires_in = 3600

    def client_by_issuer(self, issuer):
        with self.lock:
            return next((client for client in self.clients.values() if client.jwt_issuer == issuer), None)


def _assertion_client(store, method):
    """Return JWTBearerClientAssertion for one method, trying only clients registered with it."""

    class Assertion(JWTBearerClientAssertion):
        CLIENT_AUTH_METHOD = method

        def __call__(self, query_client, req):
            claims = self._claims(req.form.get("client_assertion"))
            client = query_client(claims.get("sub")) if isinstance(claims.get("sub"), str) else None
            if client is None or client.auth_method != method:
                return None  # another method's client: let that method answer
            return super().__call__(query_client, req)

        def _claims(self, assertion):
            try:
                return self.extract_assertion(assertion)[1] if assertion else {}
            except Exception:
                return {}

        def get_audiences(self):
            return [request.url_root.rstrip("/") + "/token", request.url_root.rstrip("/")]

        def validate_jti(self, claims, jti):
            with store.lock:
                key = (claims["sub"], jti)
                if key in store.jtis:
                    return False
                store.jtis.add(key)
                return True

        def resolve_client_public_key(self, client):
            if method == "client_secret_jwt":
                return OctKey.import_key(client.client_secret)
            return client.public_key()

    return Assertion()


def create_app(store):
    app = Flask("authlib-oauth2-peer")

    def query_client(client_id):
        with store.lock:
            return store.clients.get(client_id)

    def save_token(token, req):
        client = req.client
        grant_type = req.payload.grant_type if req.payload else ""
        record = Token(token["access_token"], client.client_id, token.get("scope", ""),
                       req.user.username if req.user else None, time.time(), token["expires_in"],
                       getattr(req, "auth_method", None) or "none", grant_type, token.get("refresh_token"))
        with store.lock:
            store.tokens[record.access_token] = record
            store.token_requests.append({"grant_type": grant_type, "auth_method": record.auth_method,
                                         "client_id": client.client_id, "user": record.user})

    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_token_generator("default", BearerTokenGenerator(
        lambda **kwargs: "at-" + secrets.token_urlsafe(24), lambda **kwargs: "rt-" + secrets.token_urlsafe(24),
        expires_generator=lambda client, grant_type: store.expires_in))
    for method in ("private_key_jwt", "client_secret_jwt"):
        server.register_client_auth_method(method, _assertion_client(store, method))

    def tls_client_auth(query_client, req):
        """RFC 8705 2.1: the client ID in the body, and the TLS client certificate's subject DN registered for it."""
        client = query_client(req.form.get("client_id") or "")
        subject = request.environ.get("SSL_CLIENT_SUBJECT")
        if client is not None and client.auth_method == "tls_client_auth" and subject and \
                subject == client.tls_subject:
            return client
        return None

    server.register_client_auth_method("tls_client_auth", tls_client_auth)

    class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

        def save_authorization_code(self, code, req):
            data = req.payload.data
            with store.lock:
                store.codes[code] = AuthorizationCode(code, req.client.client_id, req.payload.redirect_uri,
                                                      req.payload.scope or "", req.user.username,
                                                      data.get("code_challenge"), data.get("code_challenge_method"))

        def query_authorization_code(self, code, client):
            with store.lock:
                found = store.codes.get(code)
            return found if found and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code):
            with store.lock:
                store.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return User(authorization_code.user)

    class ClientCredentialsGrant(grants.ClientCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    class RefreshTokenGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token):
            with store.lock:
                return next((token for token in store.tokens.values()
                             if token.refresh_token == refresh_token and not token.revoked), None)

        def authenticate_user(self, refresh_token):
            return User(refresh_token.user) if refresh_token.user else None

        def revoke_old_credential(self, refresh_token):
            refresh_token.revoked = True

    class JWTBearer(JWTBearerGrant):
        def resolve_issuer_client(self, issuer):
            return store.client_by_issuer(issuer)

        def resolve_client_public_key(self, client):
            return client.public_key()

        def get_audiences(self):
            return [request.url_root.rstrip("/") + "/token"]

        def authenticate_user(self, subject):
            return User(subject) if subject == USERNAME else None

        def has_granted_permission(self, client, user):
            return True

    class Revocation(RevocationEndpoint):
        CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

        def query_token(self, token_string, token_type_hint):
            with store.lock:
                return next((token for token in store.tokens.values()
                             if token_string in (token.access_token, token.refresh_token)), None)

        def revoke_token(self, token, req):
            token.revoked = True

    server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=False)])
    server.register_grant(ClientCredentialsGrant)
    server.register_grant(RefreshTokenGrant)
    server.register_grant(JWTBearer)
    server.register_endpoint(Revocation)

    class Validator(BearerTokenValidator):
        def authenticate_token(self, token_string):
            with store.lock:
                return store.tokens.get(token_string)

    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(Validator())

    @app.before_request
    def count():
        if not request.path.startswith("/faults/"):
            with store.lock:
                store.counts[request.path] += 1

    @app.get("/authorize")
    def authorize():
        denied = request.args.get("deny") == "1"
        if not denied and request.args.get("auto_approve") != "1":
            return Response("This peer approves with auto_approve=1 and denies with deny=1.", content_type="text/plain")
        user = None if denied else User(USERNAME)
        try:
            grant = server.get_consent_grant(end_user=user)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        return server.create_authorization_response(grant=grant, grant_user=user)

    @app.post("/token")
    def token():
        return server.create_token_response()

    @app.post("/revoke")
    def revoke():
        return server.create_endpoint_response(RevocationEndpoint.ENDPOINT_NAME)

    @app.route("/api/me", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @require_oauth()
    def me():
        token = current_token
        return {"client_id": token.client_id, "user": token.user, "scope": token.scope,
                "auth_method": token.auth_method, "grant_type": token.grant_type, "provider": "authlib"}

    @app.get("/faults/counts/")
    def counts_view():
        with store.lock:
            return Response(json.dumps(dict(store.counts)), content_type="application/json")

    return app


@dataclass
class AuthlibOAuth2Peer:
    """A running provider: its URLs and the helpers a test registers clients and reads records with."""

    base_url: str
    store: Store = field(repr=False)
    _server: object = field(repr=False)

    @property
    def authorize_url(self):
        return f"{self.base_url}/authorize"

    @property
    def token_url(self):
        return f"{self.base_url}/token"

    @property
    def revoke_url(self):
        return f"{self.base_url}/revoke"

    @property
    def resource_url(self):
        return f"{self.base_url}/api/me"

    def register_client(self, auth_method, *, client_secret="", public_key_pem="", jwt_issuer="", tls_subject="",
                        grant_types=None):
        """Register a new client that authenticates with `auth_method`; return its client ID."""
        client_id = f"{auth_method}-{secrets.token_hex(6)}"
        client = Client(client_id, auth_method, client_secret, public_key_pem, jwt_issuer=jwt_issuer,
                        tls_subject=tls_subject)
        if grant_types is not None:
            client.grant_types = tuple(grant_types)
        with self.store.lock:
            self.store.clients[client_id] = client
        return client_id

    def add_redirect_uri(self, client_id, uri):
        with self.store.lock:
            self.store.clients[client_id].redirect_uris.append(uri)

    def approve(self, authorization_url, *, allow=True):
        """Play the user at the consent step; return the redirect back (with code, or error)."""
        import requests

        separator = "&" if "?" in authorization_url else "?"
        answer = urlencode({"auto_approve": "1"} if allow else {"deny": "1"})
        response = requests.get(f"{authorization_url}{separator}{answer}", allow_redirects=False, timeout=10)
        if not response.is_redirect:
            raise AssertionError(f"The peer answered {response.status_code}, not a redirect: {response.text[:300]}")
        return response.headers["Location"]

    def token_requests(self, client_id=None):
        with self.store.lock:
            return [dict(entry) for entry in self.store.token_requests
                    if client_id is None or entry["client_id"] == client_id]

    def token(self, access_token):
        with self.store.lock:
            return self.store.tokens.get(access_token)

    def set_expires_in(self, seconds):
        with self.store.lock:
            self.store.expires_in = seconds

    def counts(self):
        with self.store.lock:
            return dict(self.store.counts)

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


def start_authlib_oauth2_peer(host="127.0.0.1", port=0, *, ssl_context=None):
    """Serve a new Authlib OAuth2 provider in a daemon thread; port 0 picks a free one.

    With an ssl_context (tests/peers/tls.py) it serves https and sees the client's certificate.
    """
    from tests.peers.tls import ClientCertificateHandler

    store = Store()
    server = make_server(host, port, create_app(store), threaded=True, ssl_context=ssl_context,
                         request_handler=ClientCertificateHandler if ssl_context else _QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="authlib-oauth2-peer",
                     daemon=True).start()
    scheme = "https" if ssl_context else "http"
    return AuthlibOAuth2Peer(base_url=f"{scheme}://{host}:{server.port}", store=store, _server=server)
