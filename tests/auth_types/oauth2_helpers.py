"""Helpers shared by the OAuth2 protocol tests: configurations, the consent dance, a recording server.

What the real authorization server (django-oauth-toolkit on 127.0.0.1) cannot show (what
exactly went over the wire, a server that must receive nothing) is watched by a Recorder, a
plain HTTP server on 127.0.0.1 that records every request and answers a fixed token.
"""

import http.server
import json
import threading
from urllib.parse import parse_qs, parse_qsl, urlsplit

from auth_types.oauth2 import OAuth2
from connectors_site import outbound
from tests.peers.oauth_fixtures import approve_oauth2_consent

REDIRECT_URI = "http://127.0.0.1:9/callback"  # nothing listens there: the redirect is caught, not followed
OAUTH2 = OAuth2()


def web_config(provider, **changes):
    return {"grant_type": "authorization_code", "client_id": provider.client_id, "client_auth": "client_secret_basic",
            "authorization_url": provider.authorize_url, "token_url": provider.token_url,
            "revoke_url": provider.revoke_url, "refresh_url": "", "bearer_name": "Bearer", "expiry_seconds": 3600,
            "pkce": True, "scope_delimiter": " ", **changes}


def cc_config(provider, **changes):
    return web_config(provider, grant_type="client_credentials", client_id=provider.cc_client_id,
                      authorization_url="", pkce=False, **changes)


def web_client(provider):
    return {"client_secret": provider.client_secret}


def cc_client(provider):
    return {"client_secret": provider.cc_client_secret}


def authorize(provider, config, *, scopes=("read", "write"), allow=True):
    """Begin, sign in and answer the consent page; return the flow and the callback's query."""
    url, flow = OAUTH2.begin(config, web_client(provider), redirect_uri=REDIRECT_URI, scopes=list(scopes))
    callback = approve_oauth2_consent(provider, url, allow=allow)
    assert callback.startswith(REDIRECT_URI + "?")
    return flow, dict(parse_qsl(urlsplit(callback).query))


def connect(provider, config=None, **kwargs):
    config = config or web_config(provider)
    flow, params = authorize(provider, config, **kwargs)
    return OAUTH2.complete(config, web_client(provider), flow=flow, params=params, redirect_uri=REDIRECT_URI)


def machine_token(provider, config=None, scopes=("read", "write")):
    return OAUTH2.fetch_token(config or cc_config(provider), cc_client(provider), scopes=list(scopes))


def me(provider, credentials, config=None):
    return outbound.send("GET", provider.resource_url, auth=OAUTH2.auth(config or web_config(provider), credentials))


def assert_secret_free(error, *values):
    for value in values:
        assert value not in str(error)


def begin_query(config, scopes=("read", "write")):
    url, flow = OAUTH2.begin(config, {"client_secret": "s"}, redirect_uri=REDIRECT_URI, scopes=list(scopes))
    return url, flow, parse_qs(urlsplit(url).query, keep_blank_values=True)


# --- a server that records what it receives -----------------------------------------------

class Recorder(http.server.ThreadingHTTPServer):
    """A plain HTTP server on 127.0.0.1 that records every request and answers a fixed token."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.received = []
        self.answer = {"access_token": "recorded-access", "token_type": "Bearer", "expires_in": 60}

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/token"

    def form(self, index=-1):
        return dict(parse_qsl(self.received[index]["body"].decode()))

    def start(self):
        """Serve from a daemon thread and return the server."""
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
        payload = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, format, *args):
        pass

