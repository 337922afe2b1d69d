"""Benchmark (not part of the test suite): a call through the API's proxy against a direct call.

    .venv/bin/python bench/api_proxy.py [--workers 1,2,4] [--calls 100] [--rounds 5] [--variants sqlite,postgresql]

What a program sees: the app served by gunicorn in a process of its own with the production settings
and gunicorn.conf.py (GUNICORN_WORKERS x GUNICORN_THREADS, default 2 x 8; its access log goes to a
file), the third-party API (bench/upstream.py) served by gunicorn in other processes, everything over
HTTP on 127.0.0.1. Each client thread keeps one keep-alive session; a direct call carries the same
Bearer token the connection applies, a proxied call an API token (token lookup, rate limit, the
connection's auth, the outbound guard, usage, masking, streaming).

Variants: `sqlite` (a SQLite file, the database's rate limiter) and `postgresql` (BENCH_DATABASE_URL,
a PostgreSQL database the run may empty, and BENCH_REDIS_URL or REDIS_URL for the rate limiter; skipped
when not set). For each number of client workers, interleaved rounds (direct, proxy, direct, ...) each
give a p50 of either; printed: min / median / max over the rounds of the p50 difference (what the proxy
adds per call, goal ≤ 2 ms) and of the ratio. The machine's load average is printed beside them, and the
CPU time the app's processes spent per proxied call (median over the rounds), which load changes less;
beside it the CPU time the upstream's processes (gunicorn serving a few lines of WSGI) spent per direct
call: a yardstick of the machine's speed at that moment, which varies several-fold on a shared VM.
Last, what the app's floor adds: the p50 of the proxy's address called without a token (a 401 problem,
answered by gunicorn, Django's handler and the API's middleware before any read, rate limit or call)
less a direct call's, measured in rounds of their own.

`--client wrk` makes the load with wrk (Debian's package `wrk`, a load generator in C: one keep-alive
connection per client for `--seconds`) instead of Python threads, whose own CPU (a GIL-bound process taking
a good part of one of the two cores) the app then no longer competes with. `--reference` also serves
bench/reference_proxy.py, the least a proxy in Python under the same gunicorn settings can do (a urllib3
pool, no token, database, guard or Django), and prints what it adds in the same rounds: the part of the
proxy's figure that any Python proxy on this machine pays.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="connectors-bench-proxy-"))
SECRET = "bench-upstream-token"
GOAL_MS = 2.0

import requests  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from tests.peers.servers import free_port  # noqa: E402

# The app's settings: production's, with keys made for the run and loopback + http allowed (the upstream).
APP_ENV = {
    "DJANGO_SETTINGS_MODULE": "connectors_site.settings",
    "DJANGO_DEBUG": "",
    "DJANGO_SECRET_KEY": "bench-" + Fernet.generate_key().decode(),
    "CONNECTORS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "CONNECTORS_ALLOW_PRIVATE_NETWORKS": "1",
    "CONNECTORS_ALLOW_INSECURE_HTTP": "1",
    "CONNECTORS_API_RATE_LIMIT": "100000000/60",  # counted as in production, never refused
    "CONNECTORS_QUEUE_FILE": str(WORK / "queue.sqlite3"),
}


def wait_for(url, process, log, seconds=60):
    """Wait until the server at url answers (each try waits a thirtieth of `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise SystemExit(f"{url} did not start; see {log}")
        try:
            requests.get(url, timeout=seconds / 30)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer in {seconds} s; see {log}") from None
            time.sleep(0.2)


def start_upstream():
    """bench/upstream.py under gunicorn (2 workers x 4 threads, keep-alive), as bench/run.py serves it."""
    port, log = free_port(), WORK / "upstream.log"
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4",
               "--keep-alive", "75", "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning",
               "-c", str(ROOT / "bench" / "gunicorn_upstream.py"), "bench.upstream:app"]
    process = subprocess.Popen(command, stdout=log.open("a"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for(url, process, log)
    return url, process


def prepare(env, upstream_url):
    """Migrate an empty database, make a user, a Bearer connection to the upstream and an API token (a
    process of its own, with the app's settings); return the token."""
    script = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("flush", interactive=False, verbosity=0)
from django.contrib.auth import get_user_model
from api.models import PersonalAccessToken
from builder.models import Connector, Stage
from connections.models import Connection
user = get_user_model().objects.create_user("bench-proxy")
connector = Connector.objects.create(
    name="Bench", link_name="bench_proxy", auth_type="bearer", stage=Stage.READY, base_url={upstream_url!r},
    config={{"location": "header", "parameter_name": "Token", "parameter_key": "Authorization",
             "token_prefix": "Bearer"}})
Connection.objects.create(connector=connector, owner=user, name="Bench", link_name="bench_proxy",
                          status=Connection.Status.CONNECTED, secrets={{"token": {SECRET!r}}})
print(PersonalAccessToken.issue(user=user, name="bench", scopes=["proxy"], expires_at=None)[1])
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"Setting up the database failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def start_app(env, name, application="connectors_site.wsgi"):
    """The app (or another WSGI application) under gunicorn with gunicorn.conf.py (production's workers,
    threads, keep-alive, access log)."""
    port, log = free_port(), WORK / f"app-{name}.log"
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), application]
    process = subprocess.Popen(command, cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                               stdout=log.open("a"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for(url, process, log)
    return url, process


class PythonClients:
    """`calls` calls on each of `workers` threads of this process, one keep-alive session each."""

    name = "Python threads"

    def __init__(self, calls):
        self.calls = calls

    def p50(self, url, headers, workers, status=200):
        """Return the calls' p50 in ms and their number."""
        samples = load(lambda session: session.get(url, headers=headers, timeout=30), workers, self.calls, status)
        return p50_ms(samples), len(samples)


class Wrk:
    """wrk with one keep-alive connection per client worker for `seconds` (its threads: one per core at most)."""

    name = "wrk"

    def __init__(self, seconds):
        self.seconds = seconds

    def p50(self, url, headers, workers, status=200):
        """Return the calls' p50 in ms and their number."""
        command = ["wrk", "-t", str(min(workers, os.cpu_count() or 1)), "-c", str(workers), "-d",
                   f"{self.seconds}s", "--latency", *[part for name, value in headers.items()
                                                     for part in ("-H", f"{name}: {value}")], url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        count = int(re.search(r"(\d+) requests in", output).group(1))
        refused = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        if "Socket errors" in output or (int(refused.group(1)) if refused else 0) != (count if status >= 300 else 0):
            raise SystemExit(f"wrk did not get {status} from every call of {url}:\n{output}")
        value, unit = re.search(r"50%\s+([\d.]+)(us|ms|s)\s", output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], count


def load(call, workers, calls, status=200):
    """Run `calls` calls on each of `workers` threads (one keep-alive session each); return every latency."""
    def worker(_):
        session, samples = requests.Session(), []
        session.trust_env = False
        for _ in range(calls):
            started = time.perf_counter()
            response = call(session)
            samples.append(time.perf_counter() - started)
            if response.status_code != status:
                raise SystemExit(f"A call answered {response.status_code}: {response.text[:300]}")
        return samples

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [sample for samples in pool.map(worker, range(workers)) for sample in samples]


def app_cpu_seconds(pid):
    """CPU seconds used so far by gunicorn's master `pid` and its workers (Linux /proc): the app's own cost,
    which the machine's load changes far less than latencies."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if entry.name == str(pid) or fields[1] == str(pid):  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def p50_ms(samples):
    return statistics.median(samples) * 1000


def spread(values, unit=""):
    return f"{min(values):6.2f} {statistics.median(values):6.2f} {max(values):6.2f}{unit}"


def measure(name, app_url, app_pid, upstream_url, upstream_pid, token, options, reference_url=None):
    direct_url, proxy_url = f"{upstream_url}/v1/items", f"{app_url}/api/v1/proxy/bench_proxy/v1/items"
    direct_headers, proxy_headers = {"Authorization": f"Bearer {SECRET}"}, {"Authorization": f"Bearer {token}"}
    client = options.client
    forwarder_url = reference_url and f"{reference_url}/api/v1/proxy/bench_proxy/v1/items"

    def with_cpu(pid, workers, url, headers, status=200):
        """The p50 of calls to url and the CPU ms the processes of `pid` spent per call meanwhile."""
        used = app_cpu_seconds(pid)
        p50, count = client.p50(url, headers, workers, status)
        return p50, (app_cpu_seconds(pid) - used) * 1000 / count

    for url, headers in ((direct_url, direct_headers), (proxy_url, proxy_headers), (forwarder_url, {})):
        if url:
            client.p50(url, headers, 2)  # warm up: connections, caches, both gunicorn workers
    for workers in options.workers:
        added, ratios, direct_p50s, proxy_p50s, cpu, upstream_cpu = [], [], [], [], [], []
        floor, floor_cpu, reference = [], [], []
        for _ in range(options.rounds):
            # The app's floor: the proxy's address without a token, answered (401) before any read or call.
            refusal, refusal_cpu = with_cpu(app_pid, workers, proxy_url, {}, status=401)
            floor_cpu.append(refusal_cpu)
            floor.append(refusal - client.p50(direct_url, direct_headers, workers)[0])
            base, base_cpu = with_cpu(upstream_pid, workers, direct_url, direct_headers)
            through, through_cpu = with_cpu(app_pid, workers, proxy_url, proxy_headers)
            upstream_cpu.append(base_cpu), cpu.append(through_cpu)
            direct_p50s.append(base), proxy_p50s.append(through)
            added.append(through - base), ratios.append(through / base)
            if forwarder_url:
                reference.append(client.p50(forwarder_url, {}, workers)[0] - base)
        middle = statistics.median(added)
        beside = f"; a minimal forwarder adds {spread(reference, ' ms')}" if reference else ""
        print(f"{name:<11} {workers:>2} workers   added {spread(added, ' ms')}   ratio {spread(ratios)}   "
              f"(p50 direct {statistics.median(direct_p50s):.2f} ms, proxy {statistics.median(proxy_p50s):.2f} ms; "
              f"app CPU {statistics.median(cpu):.2f} ms per proxied call, the upstream's "
              f"{statistics.median(upstream_cpu):.2f} ms per direct call; a 401 of the app adds "
              f"{statistics.median(floor):.2f} ms, for {statistics.median(floor_cpu):.2f} ms of its CPU{beside})"
              f"   goal ≤ {GOAL_MS} ms {'met' if middle <= GOAL_MS else 'NOT MET'}   load {load_average()}",
              flush=True)


def load_average():
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def variants(options):
    chosen = {}
    if "sqlite" in options.variants:
        chosen["SQLite"] = {"DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}", "REDIS_URL": ""}
    if "postgresql" in options.variants:
        database = os.environ.get("BENCH_DATABASE_URL", "")
        redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL", "")
        if database.startswith("postgres") and redis_url:
            chosen["PostgreSQL"] = {"DATABASE_URL": database, "REDIS_URL": redis_url}
        else:
            print("PostgreSQL + Redis skipped: set BENCH_DATABASE_URL (postgres://…, emptied) and REDIS_URL.")
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2,4", type=lambda text: [int(n) for n in text.split(",")],
                        help="numbers of client threads, comma-separated (default 1,2,4)")
    parser.add_argument("--calls", type=int, default=100, help="calls per client thread per round (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--variants", default="sqlite,postgresql")
    parser.add_argument("--client", choices=("python", "wrk"), default="python",
                        help="the load: Python threads (default) or wrk")
    parser.add_argument("--seconds", type=int, default=2, help="with wrk: seconds per measurement (default 2)")
    parser.add_argument("--reference", action="store_true", help="also measure bench/reference_proxy.py")
    options = parser.parse_args()
    if options.client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk).")
    options.client = Wrk(options.seconds) if options.client == "wrk" else PythonClients(options.calls)
    each = f"{options.seconds} s" if options.client.name == "wrk" else f"{options.calls} calls"
    app_workers, app_threads = os.environ.get("GUNICORN_WORKERS", "2"), os.environ.get("GUNICORN_THREADS", "8")
    print(f"Proxy vs direct call, p50 per round: {options.rounds} interleaved rounds of {each} per client "
          f"({options.client.name}); app: gunicorn {app_workers} workers x {app_threads} threads; "
          f"min / median / max; load average at start {load_average()}", flush=True)
    upstream_url, upstream = start_upstream()
    reference_url = reference = None
    try:
        if options.reference:
            reference_url, reference = start_app(
                {**os.environ, "BENCH_UPSTREAM_URL": upstream_url, "BENCH_UPSTREAM_TOKEN": SECRET}, "reference",
                "bench.reference_proxy:app")
        for name, database in variants(options).items():
            env = {**os.environ, **APP_ENV, **database}
            token = prepare(env, upstream_url)
            app_url, app = start_app(env, name.lower())
            try:
                measure(name, app_url, app.pid, upstream_url, upstream.pid, token, options, reference_url)
            finally:
                app.terminate()
                app.wait(timeout=30)
    finally:
        for process in (reference, upstream):
            if process:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
