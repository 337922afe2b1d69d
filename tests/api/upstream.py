"""An API for the proxy tests to call: it records what arrives and answers as each test needs.

Served by tests.peers.servers.serve_wsgi (werkzeug, threaded) on 127.0.0.1.
"""

import json
import threading
import time

from werkzeug.wrappers import Request, Response


class Upstream:
    def __init__(self):
        self.requests = []  # (method, path, query, headers, body) as they arrived
        self.release = threading.Event()  # /held sends the rest of its body once set
        self.calls = {}

    def count(self, path):
        return self.calls.get(path, 0)

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        self.requests.append({"method": request.method, "path": request.path, "query": request.query_string.decode(),
                              "headers": dict(request.headers), "body": body.decode(errors="replace")})
        self.calls[request.path] = self.calls.get(request.path, 0) + 1
        handler = getattr(self, "_" + request.path.strip("/").split("/")[-1].replace("-", "_"), self._echo)
        return handler(request)(environ, start_response)

    def _echo(self, request):
        answer = Response(json.dumps(self.requests[-1]), content_type="application/json")
        answer.headers["Set-Cookie"] = "session=upstream-cookie"
        answer.headers["Connection"] = "X-Hop"
        answer.headers["X-Hop"] = "hop-by-hop per Connection"
        answer.headers["X-RateLimit-Remaining"] = "41"
        answer.headers["Retry-After"] = "120"
        answer.headers["WWW-Authenticate"] = 'Basic realm="upstream"'
        return answer

    def _big(self, request):
        size = int(request.args.get("size", "0"))
        chunk = b"x" * 65536

        def body():
            sent = 0
            while sent < size:
                part = chunk[:size - sent]
                sent += len(part)
                yield part

        return Response(body(), content_type="application/octet-stream", direct_passthrough=True)

    def _held(self, request):
        def body():
            yield b"first;"
            self.release.wait(10)
            yield b"rest"

        return Response(body(), content_type="text/plain", direct_passthrough=True)

    def _limited(self, request):
        if self.count(request.path) <= int(request.args.get("refusals", "1")):
            return Response("slow down", status=int(request.args.get("status", "429")),
                            headers={"Retry-After": request.args.get("after", "0")})
        return Response("ok", content_type="text/plain")

    def _away(self, request):
        return Response("", status=302, headers={"Location": "http://127.0.0.2:9/elsewhere"})

    def _missing(self, request):
        return Response("<h1>no such page</h1>", status=404, content_type="text/html")

    def _slow(self, request):
        time.sleep(float(request.args.get("seconds", "3")))
        return Response("late")
