"""A provider serving several "shops" under one origin, by path (/shops/<shop>/...), as Shopify serves
one per host name: an OAuth 2.0 authorization server and an API per shop, and an API-key API.

Each shop knows only its own tokens and key: a connection that reached another shop's URLs
would be refused. The token response names the shop's instance_url (as Salesforce's does).
"""

import json
import secrets
import threading
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tests.peers.servers import serve_wsgi

SHOPS = ("alpha", "beta")
CLIENT_ID, CLIENT_SECRET = "shops-client", "shops-client-secret"


class ShopsProvider:
    def __init__(self):
        self.keys = {shop: f"key-of-{shop}" for shop in SHOPS}
        self.codes, self.tokens = {}, {}  # value -> shop
        self.requests = []  # (shop, what)
        self.lock = threading.Lock()
        self.base_url = ""
        self.instance_url = None  # what the token response names; None: the server's own origin

    def __call__(self, environ, start_response):
        request = Request(environ)
        parts = request.path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "shops" or parts[1] not in SHOPS:
            return Response("no such shop", status=404)(environ, start_response)
        shop, what = parts[1], "/".join(parts[2:])
        with self.lock:
            self.requests.append((shop, what))
        handler = {"oauth/authorize": self.authorize, "oauth/token": self.token, "api/me": self.me,
                   "keyed/me": self.keyed}.get(what)
        response = handler(request, shop) if handler else Response("not found", status=404)
        return response(environ, start_response)

    def authorize(self, request, shop):
        """Approve at once: redirect back with a code this shop issued."""
        code = f"{shop}-code-{secrets.token_urlsafe(8)}"
        self.codes[code] = shop
        query = urlencode({"code": code, "state": request.args.get("state", "")})
        return Response(status=302, headers={"Location": f"{request.args['redirect_uri']}?{query}"})

    def token(self, request, shop):
        form = request.form
        if request.authorization is None or (request.authorization.username, request.authorization.password) != (
                CLIENT_ID, CLIENT_SECRET):
            return _json({"error": "invalid_client"}, 401)
        grant = form.get("grant_type")
        if grant == "authorization_code" and self.codes.pop(form.get("code"), None) == shop:
            pass
        elif grant == "refresh_token" and self.tokens.get(form.get("refresh_token")) == shop:
            pass
        else:
            return _json({"error": "invalid_grant", "error_description": f"not a grant of {shop}"}, 400)
        access, refresh = f"{shop}-at-{secrets.token_urlsafe(8)}", f"{shop}-rt-{secrets.token_urlsafe(8)}"
        self.tokens[access] = self.tokens[refresh] = shop
        return _json({"access_token": access, "token_type": "Bearer", "expires_in": 3600, "refresh_token": refresh,
                      "instance_url": self.instance_url or self.base_url})

    def me(self, request, shop):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.tokens.get(token) != shop:
            return _json({"error": "invalid_token"}, 401)
        return _json({"shop": shop})

    def keyed(self, request, shop):
        if request.headers.get("X-Shop-Key") != self.keys[shop]:
            return _json({"error": "wrong key for this shop"}, 401)
        return _json({"shop": shop})


def _json(body, status=200):
    return Response(json.dumps(body), status=status, content_type="application/json")


def start_shops():
    """Serve a ShopsProvider; return (provider, stop)."""
    provider = ShopsProvider()
    provider.base_url, stop = serve_wsgi(provider)
    return provider, stop
