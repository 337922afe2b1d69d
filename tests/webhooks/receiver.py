"""Webhook receivers on loopback for the tests: they verify every signature with the standardwebhooks
library, as a subscriber would, and keep what arrived."""

import json
import socket
import threading

from standardwebhooks import Webhook, WebhookVerificationError

from tests.peers.servers import HOST, serve_wsgi


class Receiver:
    """A WSGI receiver: answers `fail_first` requests with 500, then 204; every request's signature
    is verified against `secret` (a bad one is answered 401)."""

    def __init__(self, secret=None, *, fail_first=0):
        self.secret, self.fail_first = secret, fail_first
        self.received, self.refused, self.requests = [], [], 0
        self.url, self._stop = None, None
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "POST":  # serve_wsgi's "are you up?" request
            start_response("200 OK", [])
            return []
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        with self._lock:
            self.requests += 1
            number = self.requests
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            self.refused.append(str(error))
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"bad signature"]
        if number <= self.fail_first:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"try again"]
        self.received.append({"headers": headers, "payload": json.loads(body)})
        start_response("204 No Content", [])
        return []

    def start(self):
        self.url, self._stop = serve_wsgi(self)
        self.url += "/hooks"
        return self

    def stop(self):
        self._stop()


class Silent:
    """Accepts connections and reads the request, but never answers."""

    def __init__(self):
        self.listener = socket.create_server((HOST, 0))
        self.url = f"http://{HOST}:{self.listener.getsockname()[1]}/hooks"
        self.connections, self.accepted = [], 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            self.connections.append(connection)

    def stop(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()
