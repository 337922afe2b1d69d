"""Benchmark (not part of the test suite): a call through the API's proxy against a direct call.

    .venv/bin/python bench/api_proxy.py [--workers 4] [--calls 200]

The app is served by a threaded WSGI server on 127.0.0.1 (a SQLite file, or DATABASE_URL), the
upstream is a small local API that checks a Bearer token. Each worker thread makes the same calls
directly (with the token) and through /api/v1/proxy/ (with an API token: token lookup, rate limit,
the connection's auth, the outbound guard, bookkeeping, streaming). Prints p50 and p90 of each, the
difference per call and the ratio. The goal: the proxy adds at most 2 ms per call at p50.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
os.environ["CONNECTORS_API_RATE_LIMIT"] = "100000000/60"

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from tests.peers.servers import serve_wsgi  # noqa: E402

SECRET = "bench-upstream-token"


def upstream(environ, start_response):
    request = Request(environ)
    ok = request.headers.get("Authorization") == f"Bearer {SECRET}"
    return Response('{"ok": true}' if ok else '{"ok": false}', status=200 if ok else 401,
                    content_type="application/json")(environ, start_response)


def setup(upstream_url):
    from api.models import PersonalAccessToken
    from builder.models import Connector, Stage
    from connections.models import Connection
    from django.contrib.auth import get_user_model

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # a database of an earlier run starts empty
    user = get_user_model().objects.create_user("bench-proxy")
    connector = Connector.objects.create(
        name="Bench", link_name="bench_proxy", auth_type="bearer", stage=Stage.READY, base_url=upstream_url,
        config={"location": "header", "parameter_name": "Token", "parameter_key": "Authorization",
                "token_prefix": "Bearer"})
    Connection.objects.create(connector=connector, owner=user, name="Bench", link_name="bench_proxy",
                              status=Connection.Status.CONNECTED, secrets={"token": SECRET})
    return PersonalAccessToken.issue(user=user, name="bench", scopes=["proxy"], expires_at=None)[1]


def load(call, workers, calls):
    """Run `calls` calls on each of `workers` threads (one keep-alive session each); return every latency."""
    def worker(_):
        session, samples = requests.Session(), []
        for _ in range(calls):
            started = time.perf_counter()
            response = call(session)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        return samples

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [sample for samples in pool.map(worker, range(workers)) for sample in samples]


def percentile(samples, fraction):
    return sorted(samples)[int(fraction * (len(samples) - 1))] * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--calls", type=int, default=200)
    options = parser.parse_args()
    upstream_url, stop_upstream = serve_wsgi(upstream)
    token = setup(upstream_url)
    app_url, stop_app = serve_wsgi(get_wsgi_application())
    try:
        direct_url, proxy_url = f"{upstream_url}/ping", f"{app_url}/api/v1/proxy/bench_proxy/ping"
        direct = lambda session: session.get(direct_url, headers={"Authorization": f"Bearer {SECRET}"}, timeout=10)  # noqa: E731
        proxied = lambda session: session.get(proxy_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)  # noqa: E731
        load(direct, 1, 20), load(proxied, 1, 20)  # warm up
        direct_samples = load(direct, options.workers, options.calls)
        proxy_samples = load(proxied, options.workers, options.calls)
    finally:
        stop_app()
        stop_upstream()
    d50, p50 = percentile(direct_samples, 0.5), percentile(proxy_samples, 0.5)
    print(f"{options.workers} workers × {options.calls} calls: direct p50 {d50:.2f} ms "
          f"(p90 {percentile(direct_samples, 0.9):.2f}), proxy p50 {p50:.2f} ms "
          f"(p90 {percentile(proxy_samples, 0.9):.2f}); the proxy adds {p50 - d50:.2f} ms at p50, "
          f"ratio {p50 / d50:.2f} (mean ratio {statistics.mean(proxy_samples) / statistics.mean(direct_samples):.2f})")


if __name__ == "__main__":
    main()
