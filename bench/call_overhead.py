"""The app's own work per call through a connection, in µs (not part of the test suite).

    .venv/bin/python bench/call_overhead.py [--calls 400] [--rounds 5] [--profile TYPE] [--types basic,bearer]

For every auth type (the examples' values), over plain HTTP (or --scheme https) to bench/upstream.py
served by gunicorn in processes of its own (as `make bench`), over interleaved rounds:
* own work: the median time of `connection_request` minus the median time of a keep-alive
  `requests.Session` call with the same auth to the same URL (min / median / max of the rounds);
* CPU: this thread's CPU time per call of each side and the difference (steadier under load);
* around send: the median time `connection_request` spends outside `outbound.send` (the app's own work
  around the HTTP call), and how much slower `outbound.send` is than the direct call;
* the Python function calls one call of each side makes (cProfile's count: the same under any load);
* the database queries one call makes once warm;
and, with --profile TYPE, a cProfile of that type's calls sorted by own and cumulative time.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("BENCH_ROTATION_ROWS", "0")

from bench import run  # noqa: E402  (sets up Django on a SQLite file of its own)

import requests  # noqa: E402
import requests.adapters  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection as db  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from connections import services, usage  # noqa: E402
from connectors_site import outbound  # noqa: E402
from connections.services import connection_request  # noqa: E402


def median_us(function, n):
    """Return (median wall µs, mean CPU µs of this thread) per call: the CPU time leaves out the waiting
    on the network and on the other processes, so it is the steadier measure of this process's work."""
    samples = []
    cpu = time.thread_time()
    for _ in range(n):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6, (time.thread_time() - cpu) / n * 1e6


def function_calls(function, n=50):
    """Return the Python function calls one call of function makes (cProfile's count: steady under load)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        function()
    profiler.disable()
    return pstats.Stats(profiler).total_calls / n


class InnerClock:
    """Time spent inside outbound.send during connection_request: the rest is the app's own work around it."""

    def __init__(self):
        self.real, self.spent = services.outbound.send, 0.0

    def __enter__(self):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return self.real(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - started
        services.outbound.send = timed
        return self

    def __exit__(self, *exc):
        services.outbound.send = self.real


def around_send_us(function, n):
    """Return the median µs per call connection_request spends outside outbound.send (its own work there)."""
    samples = []
    with InnerClock() as clock:
        for _ in range(n):
            clock.spent = 0.0
            started = time.perf_counter()
            function()
            samples.append(time.perf_counter() - started - clock.spent)
    return statistics.median(samples) * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", default="")
    parser.add_argument("--types", default="")
    parser.add_argument("--scheme", default="http", choices=["http", "https"])
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    ca_file, *tls_files = run.test_ca()
    requests.adapters.DEFAULT_CA_BUNDLE_PATH = str(ca_file)
    http_url, http_server = run.start_upstream()
    https_url, https_server = run.start_upstream((ca_file, *tls_files))
    try:
        user = get_user_model().objects.create_superuser("bench", password="bench-password")
        connections = run.make_connections(user, http_url, https_url)
        if options.types:
            connections = {key: connections[key] for key in options.types.split(",")}
        base = http_url if options.scheme == "http" else https_url
        session = requests.Session()
        session.trust_env = False
        session.verify = str(ca_file)
        url = f"{base}/v1/items"
        print(f"{options.scheme}; {options.rounds} rounds of {options.calls} calls per side; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{'type':<12} {'direct µs':>10} {'app µs':>10}   own work µs min / median / max   "
              f"CPU µs direct / app / own   around send µs   send - direct µs   Python calls direct / send / app"
              f"   queries/call")
        for key, connection in connections.items():
            connector = connection.connector
            auth = connector.kind.auth(connector.kind_config, connection.secrets, client=connector.secrets)

            def subject(connection=connection):
                return connection_request(connection, "GET", url)

            def baseline(auth=auth):
                return session.get(url, auth=auth, timeout=(5, 30))

            def send(auth=auth):
                return outbound.send("GET", url, auth=auth)

            for _ in range(20):
                subject(), baseline()
            with CaptureQueriesContext(db) as queries:
                for _ in range(10):
                    subject()
            direct, app, own, cpu_direct, cpu_app, around, send_extra = [], [], [], [], [], [], []
            for _ in range(options.rounds):
                d, cd = median_us(baseline, options.calls)
                a, ca = median_us(subject, options.calls)
                direct.append(d), app.append(a), own.append(a - d), cpu_direct.append(cd), cpu_app.append(ca)
                around.append(around_send_us(subject, options.calls))
                send_extra.append(median_us(send, options.calls)[0] - median_us(baseline, options.calls)[0])
            cd, ca = min(cpu_direct), min(cpu_app)
            calls = [function_calls(f) for f in (baseline, send, subject)]
            print(f"{key:<12} {statistics.median(direct):10.0f} {statistics.median(app):10.0f}   "
                  f"{min(own):8.0f} / {statistics.median(own):6.0f} / {max(own):6.0f}   "
                  f"{cd:8.0f} / {ca:4.0f} / {ca - cd:4.0f}   {statistics.median(around):8.0f}   "
                  f"{statistics.median(send_extra):8.0f}   {calls[0]:6.0f} / {calls[1]:4.0f} / {calls[2]:4.0f}   "
                  f"{len(queries) / 10:g}", flush=True)
            if key == options.profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(options.calls):
                    subject()
                profiler.disable()
                stats = pstats.Stats(profiler)
                stats.sort_stats("tottime").print_stats(35)
                stats.sort_stats("cumulative").print_stats(45)
        usage.buffer.flush()
    finally:
        for server in (http_server, https_server):
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
