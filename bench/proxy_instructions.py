"""Benchmark (not part of the test suite): what a proxied call costs the app, counted rather than timed.

    .venv/bin/python bench/proxy_instructions.py [--calls 500]

Times on these shared VMs move several-fold between sessions and from one minute to the next (see
bench/api_proxy.py's yardstick); the number of machine instructions a call executes does not (it
repeats within about 1%: the usage flusher's batches fall a little differently each run). This
serves the app's WSGI application (connectors_site.wsgi, the production settings, a SQLite file) in
one process, which calls the proxy against bench/upstream.py served by gunicorn in processes of its
own, and runs that process twice under valgrind's cachegrind: with no calls and with `--calls` calls,
each after the same warm-up. The difference, per call, is what one proxied call executes in the app
(its Django handler, middleware, token read, rate limit, the connection's auth, the outbound client,
usage, the relay), without the server in front (gunicorn's own work is the same for any view).
Python function calls per call (cProfile) are printed beside it. Needs valgrind (Debian's package);
takes about a minute.

With `--gunicorn`, the same calls are also counted as gunicorn serves them (gunicorn.conf.py, one worker,
every process of the server under valgrind, the client outside it), and beside them a 401: the proxy's
address called without a token, answered before any read, rate limit or call (the app's floor).
(gunicorn_h1c, gunicorn's optional C parser, uses instructions valgrind does not know: leave it out.)
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
WARM_UP = 200

import api_proxy  # noqa: E402  (bench/api_proxy.py: the upstream, the database, the app's settings)


def child(calls, profile):
    """Serve `calls` proxied calls in this process (after the warm-up); with `profile`, print calls per call."""
    from connectors_site.wsgi import application

    token = os.environ["BENCH_PROXY_TOKEN"]

    def call():
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/proxy/bench_proxy/v1/items", "QUERY_STRING": "",
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
                   "HTTP_HOST": "127.0.0.1", "HTTP_AUTHORIZATION": f"Bearer {token}", "wsgi.input": io.BytesIO(),
                   "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr}
        status = []
        body = application(environ, lambda line, headers, exc_info=None: status.append(line))
        try:
            b"".join(body)
        finally:
            body.close()
        if not status[0].startswith("200"):
            raise SystemExit(f"A proxied call answered {status[0]}")

    for _ in range(WARM_UP):
        call()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    for _ in range(calls):
        call()
    if profiler:
        profiler.disable()
        print(f"{pstats.Stats(profiler).total_calls / calls:.0f}")


def instructions(env, calls):
    """Instructions valgrind counted for a child process serving `calls` calls."""
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                           sys.executable, __file__, "--child", str(calls)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode or not found:
        raise SystemExit(f"The run under valgrind failed:\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def under_gunicorn(env, calls, *, refused=False):
    """Instructions valgrind counted in gunicorn's processes serving `calls` proxied calls (or, `refused`,
    calls without a token: 401s) after the same warm-up of proxied calls."""
    port, log = api_proxy.free_port(), api_proxy.WORK / "gunicorn-valgrind.log"
    gunicorn = [sys.executable, str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
    server = subprocess.Popen(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes",
                               "--cachegrind-out-file=/dev/null", *gunicorn, "connectors_site.wsgi"],
                              cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"},
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api/v1/proxy/bench_proxy/v1/items"
    api_proxy.wait_for(url, server, log, seconds=600)  # Django starts about 50 times slower under valgrind
    session = api_proxy.requests.Session()
    token = {"Authorization": f"Bearer {env['BENCH_PROXY_TOKEN']}"}
    for number in range(WARM_UP + calls):
        proxied = number < WARM_UP or not refused
        answer = session.get(url, headers=token if proxied else {}, timeout=120)
        if answer.status_code != (200 if proxied else 401):
            raise SystemExit(f"A call under gunicorn answered {answer.status_code}")
    session.close()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=300)
    return sum(int(found.replace(",", "")) for found in re.findall(r"I\s+refs:\s+([\d,]+)", log.read_text()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="calls counted (default 500)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gunicorn", action="store_true", help="also count calls as gunicorn serves them")
    options = parser.parse_args()
    if options.child is not None:
        return child(options.child, options.profile)
    upstream_url, upstream = api_proxy.start_upstream()
    try:
        env = {**os.environ, **api_proxy.APP_ENV, "REDIS_URL": "",
               "DATABASE_URL": f"sqlite:///{api_proxy.WORK / 'instructions.sqlite3'}"}
        env["BENCH_PROXY_TOKEN"] = api_proxy.prepare(env, upstream_url)
        profiled = subprocess.run([sys.executable, __file__, "--child", str(options.calls), "--profile"], cwd=ROOT,
                                  env=env, capture_output=True, text=True, check=True)
        per_call = (instructions(env, options.calls) - instructions(env, 0)) / options.calls
        if options.gunicorn:
            served = under_gunicorn(env, 0)
            served_call = (under_gunicorn(env, options.calls) - served) / options.calls
            refusal = (under_gunicorn(env, options.calls, refused=True) - served) / options.calls
    finally:
        upstream.terminate()
        upstream.wait(timeout=30)
    print(f"A proxied call (SQLite, in process, {options.calls} calls after {WARM_UP}): "
          f"{per_call / 1e6:.3f} M instructions, {profiled.stdout.strip().splitlines()[-1]} Python function calls")
    if options.gunicorn:
        print(f"Served by gunicorn (one worker): a proxied call {served_call / 1e6:.3f} M instructions, "
              f"a 401 without a token {refusal / 1e6:.3f} M")


if __name__ == "__main__":
    main()
