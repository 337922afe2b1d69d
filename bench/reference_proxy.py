"""The least a proxy in Python can do, for bench/api_proxy.py --reference: a yardstick, not the product.

Served by gunicorn with the app's gunicorn.conf.py (same workers, threads, keep-alive and access log), it
passes `/api/v1/proxy/<link name>/<path>` on to BENCH_UPSTREAM_URL with the upstream's Bearer token,
through one urllib3 pool per process, and answers with the upstream's status, Content-Type and body.
No token, database, rate limit, guard, masking, usage or Django: what a proxied call adds beyond this
is what the app's own work costs on the same machine in the same minute.
"""

import os
from urllib.parse import urlsplit

import urllib3

_UPSTREAM = urlsplit(os.environ["BENCH_UPSTREAM_URL"])
_POOL = urllib3.HTTPConnectionPool(_UPSTREAM.hostname, _UPSTREAM.port, maxsize=16)
_HEADERS = {"Authorization": f"Bearer {os.environ['BENCH_UPSTREAM_TOKEN']}"}
_PREFIX = "/api/v1/proxy/"


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if not path.startswith(_PREFIX) or "/" not in path[len(_PREFIX):]:
        start_response("404 Not Found", [("Content-Length", "0")])
        return []
    target = "/" + path[len(_PREFIX):].split("/", 1)[1]
    if environ.get("QUERY_STRING"):
        target += "?" + environ["QUERY_STRING"]
    response = _POOL.urlopen(environ["REQUEST_METHOD"], target, headers=_HEADERS, preload_content=False)
    try:
        body = response.read()
    finally:
        response.release_conn()
    start_response(f"{response.status} {response.reason}",
                   [("Content-Type", response.headers.get("Content-Type", "application/octet-stream")),
                    ("Content-Length", str(len(body)))])
    return [body]
