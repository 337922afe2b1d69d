"""gunicorn's settings for production: ``gunicorn -c gunicorn.conf.py connectors_site.wsgi``.

Threads, so that a slow third party (a token endpoint that hangs) holds one thread, not a whole
worker; and a worker timeout computed from the app's own outbound timeouts, safely above the
longest request it serves, so that no request ends in WORKER TIMEOUT while it waits for a
provider (connectors_site/timeouts.py). The environment may change each value:

GUNICORN_BIND (127.0.0.1:8000), GUNICORN_WORKERS (2), GUNICORN_THREADS (8),
CONNECTORS_TOKEN_TIMEOUT (the worker timeout follows it). Each worker thread may hold one
database connection: keep workers x threads below the database's connection limit.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from connectors_site import timeouts  # noqa: E402  (after the path: gunicorn may start elsewhere)

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = timeouts.worker_timeout()
graceful_timeout = 30
keepalive = 5
accesslog = "-"
# gunicorn's logger, making each access log line from what its format names (connectors_site/access_log.py).
logger_class = "connectors_site.access_log.Logger"


def worker_exit(server, worker):
    """Write the usage this worker buffered (connections/usage.py) before it exits: a clean stop loses none."""
    usage = sys.modules.get("connections.usage")  # not loaded: nothing buffered
    if usage is not None:
        usage.buffer.flush()
