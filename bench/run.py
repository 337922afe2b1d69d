"""Benchmarks (not part of the test suite): `make bench`.

What a user sees, against baselines measured in the same run on the same machine:

* a call through a connection (`connection_request`) against a direct keep-alive `requests.Session`
  call with the same auth, for every auth type, over plain HTTP and HTTPS (a local TLS server with a
  test CA); the API is gunicorn serving bench/upstream.py in processes of its own;
* pages (Built-in Connectors, Connections View More, Security) at 10 and 1,000 rows against a bare
  ORM + template page of 50 rows (throughput ratio: bare time / page time);
* the request console against a bare decrypt + auth + forward view (throughput ratio);
* `rotate_encryption_keys` on 100,000 rows in a process of its own (time and peak memory).

The database is a SQLite file (BENCH_DATABASE_URL names another, e.g. a PostgreSQL database the
run may empty). Each ratio is measured over interleaved rounds (baseline, subject, baseline, ...)
and printed as min / median / max with its goal; a goal is met when the median meets it.
"""

import io
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="connectors-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["DJANGO_DEBUG"] = ""
os.environ["CONNECTORS_USAGE_FLUSH_SECONDS"] = "1"  # production's default: usage off the request path

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
import requests.adapters  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import clear_url_caches, reverse  # noqa: E402

from builder.models import Connector, Stage  # noqa: E402
from connections import usage  # noqa: E402
from connections.models import Connection  # noqa: E402
from connections.services import connection_request  # noqa: E402
from tests.examples import examples  # noqa: E402
from tests.peers.servers import free_port, wait_until_answers  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
CALLS = int(os.environ.get("BENCH_CALLS", "40"))  # per round and side
PAGES = int(os.environ.get("BENCH_PAGES", "10"))
ROTATION_ROWS = int(os.environ.get("BENCH_ROTATION_ROWS", "100000"))
CALL_GOALS = {"basic": 1.15, "api_key": 1.15, "bearer": 1.15, "digest": 1.15, "aws_sigv4": 1.3, "oauth1": 1.6,
              "oauth2": 1.2}
HTTPS_GOAL = 1.3
PAGE_GOAL = 0.5
CONSOLE_GOAL = 0.35
results = []


# --- measuring ----------------------------------------------------------------------------

def median_time(function, n):
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def compare(name, subject, baseline, *, goal, lower_is_better=True, n=CALLS, rounds=ROUNDS):
    """Print min/median/max of subject/baseline (or baseline/subject) over interleaved rounds, with the goal."""
    subject(), baseline()  # warm up: first connections, caches
    ratios, subject_times = [], []
    for _ in range(rounds):
        base = median_time(baseline, n)
        measured = median_time(subject, n)
        subject_times.append(measured)
        ratios.append(measured / base if lower_is_better else base / measured)
    low, middle, high = min(ratios), statistics.median(ratios), max(ratios)
    met = middle <= goal if lower_is_better else middle >= goal
    sign = "≤" if lower_is_better else "≥"
    line = (f"{name:<52} {low:6.2f} {middle:6.2f} {high:6.2f}   goal {sign} {goal:<5} "
            f"{'met' if met else 'NOT MET'}   ({statistics.median(subject_times) * 1000:.2f} ms)")
    print(line, flush=True)
    results.append((name, met))


# --- the API, outside this process --------------------------------------------------------

def test_ca():
    """Write a CA and a certificate for localhost issued by it; return (ca file, cert file, key file)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def build(subject, issuer, public_key):
        now = datetime.datetime.now(datetime.timezone.utc)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1)))

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench CA")])
    ca = (build(ca_name, ca_name, ca_key.public_key())
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(ca_key, hashes.SHA256()))
    cert = (build(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]), ca_name, key.public_key())
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = WORK / "ca.pem", WORK / "localhost.pem", WORK / "localhost.key"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return files


def start_upstream(tls_files=None):
    """Serve bench/upstream.py with gunicorn (2 workers x 4 threads, keep-alive); return (base URL, process)."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4",
               "--keep-alive", "75", "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning",
               "-c", str(ROOT / "bench" / "gunicorn_upstream.py"),
               "bench.upstream:app"]
    scheme = "http"
    if tls_files:
        command += ["--certfile", str(tls_files[1]), "--keyfile", str(tls_files[2])]
        scheme = "https"
    process = subprocess.Popen(command)
    url = f"{scheme}://localhost:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url, timeout=2, verify=str(tls_files[0]) if tls_files else True)
            return url, process
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# --- calls --------------------------------------------------------------------------------

def make_connections(user, http_url, https_url):
    """One connection per auth type (the examples' values) whose API is the upstream."""
    made = {}
    for key, stored in examples().items():
        connector = Connector.objects.create(
            name=f"Bench {key}", link_name=f"bench_{key}", auth_type=key, config=stored.config,
            secrets=dict(stored.client), stage=Stage.READY, base_url=http_url, api_origins=[https_url],
            created_by=user)
        made[key] = Connection.objects.create(connector=connector, owner=user, name=f"Bench {key}",
                                              link_name=f"bench_{key}", status=Connection.Status.CONNECTED,
                                              secrets=dict(stored.credentials))
    return made


def bench_calls(connections, http_url, https_url, ca_file):
    print("\nCalls: connection_request vs a keep-alive requests.Session with the same auth "
          "(time ratio, lower is better)")
    for scheme, base in (("http", http_url), ("https", https_url)):
        session = requests.Session()
        session.trust_env = False  # as the outbound client: no CA bundle or proxy from the environment
        session.verify = str(ca_file)
        for key, connection in connections.items():
            connector = connection.connector
            auth = connector.kind.auth(connector.kind_config, connection.secrets, client=connector.secrets)
            url = f"{base}/v1/items"
            goal = CALL_GOALS.get(key, 1.15) if scheme == "http" else HTTPS_GOAL
            compare(f"{key} over {scheme}",
                    lambda connection=connection, url=url: connection_request(connection, "GET", url),
                    lambda auth=auth, url=url: session.get(url, auth=auth, timeout=(5, 30)), goal=goal)
    usage.buffer.flush()


# --- pages --------------------------------------------------------------------------------

def add_rows(user, count, start):
    connectors = Connector.objects.bulk_create(
        Connector(name=f"Service {n:05}", link_name=f"service_{n:05}", auth_type="bearer", stage=Stage.READY,
                  builtin_key=f"service_{n:05}", category=f"Category {n % 12}", description="An API of services",
                  config={"location": "header", "parameter_name": "Token", "parameter_key": "Authorization",
                          "token_prefix": "Bearer"}, created_by=user)
        for n in range(start, start + count))
    Connection.objects.bulk_create(
        Connection(connector=connector, owner=user, name=f"Mine {n:05}", link_name=f"mine_{n:05}",
                   status=Connection.Status.CONNECTED, secrets={"token": f"tok-{n:05}"})
        for n, connector in zip(range(start, start + count), connectors))


def bench_pages(client, user, security_pk):
    print("\nPages vs a bare ORM + template page of 50 rows (throughput ratio, higher is better)")
    bare = "/bench/bare-page/"
    from bench.urls import BARE_ROW_PREFIX

    # The baseline's own 50 custom Draft connectors: none of the measured pages lists them.
    Connector.objects.bulk_create(Connector(name=f"{BARE_ROW_PREFIX}{n:02}", link_name=f"bare_row_{n:02}",
                                            description="A row of the bare page", created_by=user)
                                  for n in range(50))
    pages = {"Built-in Connectors": reverse("builder:catalog"), "Connections View More": reverse("connections:list"),
             "Security": reverse("builder:security", args=[security_pk])}
    for rows, start in ((10, 0), (1000, 10)):
        add_rows(user, rows - Connector.objects.filter(name__startswith="Service ").count(), start)
        for name, url in pages.items():
            compare(f"{name} at {rows} rows", lambda url=url: client.get(url), lambda: client.get(bare),
                    goal=PAGE_GOAL, lower_is_better=False, n=PAGES)


def bench_console(client, connection, http_url):
    print("\nRequest console vs a bare decrypt + auth + forward view (throughput ratio, higher is better)")
    url = f"{http_url}/v1/items"
    console = reverse("connections:console", args=[connection.link_name])
    form = {"method": "GET", "url": url, "body_type": "none", "params": "", "headers": "", "body": ""}
    forward = f"/bench/forward/{connection.link_name}/"
    # What a browser sends: the page's script (static/js/console.js) posts the form as FormData (multipart) and
    # takes the console part of the page back; without the script the form posts as usual (URL-encoded: it has
    # no enctype) and gets the whole page.
    compare("console POST (bearer), as the page's script sends it",
            lambda: client.post(console, form, headers={"X-Console": "fragment"}),
            lambda: client.get(forward, {"url": url}), goal=CONSOLE_GOAL, lower_is_better=False, n=PAGES)
    compare("console POST (bearer), without the script (whole page)",
            lambda: client.post(console, urlencode(form), content_type="application/x-www-form-urlencoded"),
            lambda: client.get(forward, {"url": url}), goal=CONSOLE_GOAL, lower_is_better=False, n=PAGES)
    usage.buffer.flush()


# --- rotation -----------------------------------------------------------------------------

def bench_rotation(user):
    print(f"\nrotate_encryption_keys on {ROTATION_ROWS:,} connections (a process of its own)")
    connector = Connector.objects.get(link_name="bench_bearer")
    batch = 5000
    for start in range(0, ROTATION_ROWS, batch):
        Connection.objects.bulk_create(
            Connection(connector=connector, owner=user, name=f"Rotated {n}", link_name=f"rotated_{n}",
                       secrets={"token": f"tok-rotated-{n:07}"}) for n in range(start, min(ROTATION_ROWS, start + batch)))
    rows = Connection.objects.count() + Connector.objects.count()
    env = {**os.environ, "CONNECTORS_ENCRYPTION_KEYS": ",".join([Fernet.generate_key().decode(),
                                                                 *settings.CONNECTORS_ENCRYPTION_KEYS])}
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, "manage.py", "rotate_encryption_keys"], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    per_million = seconds * 1_000_000 / rows
    print(f"  {finished.stdout.strip().splitlines()[-1]}")
    time_met, memory_met = per_million <= 300, peak_mb <= 200
    print(f"  {rows:,} rows in {seconds:.1f} s: {per_million / 60:.1f} min per 1,000,000 rows   goal ≤ 5 min "
          f"{'met' if time_met else 'NOT MET'}")
    print(f"  peak memory of the command: {peak_mb:.0f} MB   goal ≤ 200 MB {'met' if memory_met else 'NOT MET'}")
    results.extend([("rotation time", time_met), ("rotation memory", memory_met)])


def main():
    # A SIGTERM (timeout, kill) ends the run through `finally`, so the upstream's gunicorn stops too.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(1))
    settings.ROOT_URLCONF = "bench.urls"
    clear_url_caches()
    print(f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} "
          f"({settings.DATABASES['default']['NAME']}); {ROUNDS} interleaved rounds of {CALLS} calls "
          f"/ {PAGES} pages per side")
    call_command("migrate", verbosity=0)
    ca_file, *tls_files = test_ca()
    requests.adapters.DEFAULT_CA_BUNDLE_PATH = str(ca_file)  # the outbound client trusts the test CA
    http_url, http_server = start_upstream()
    https_url, https_server = start_upstream((ca_file, *tls_files))
    try:
        user = get_user_model().objects.create_superuser("bench", password="bench-password")
        client = Client()
        client.force_login(user)
        connections = make_connections(user, http_url, https_url)
        bench_calls(connections, http_url, https_url, ca_file)
        bench_console(client, connections["bearer"], http_url)
        bench_pages(client, user, connections["oauth2"].connector.pk)
        if ROTATION_ROWS:
            bench_rotation(user)
    finally:
        for server in (http_server, https_server):
            server.terminate()
            server.wait(timeout=10)
    missed = [name for name, met in results if not met]
    print(f"\n{len(results) - len(missed)} of {len(results)} goals met" +
          (f"; not met: {', '.join(missed)}" if missed else ""))


if __name__ == "__main__":
    main()
