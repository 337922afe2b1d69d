"""Outbound call latency per connector, counted in this process (issue 10: /metrics).

Every call made through ``services.connection_request`` that reached the provider (an answer, or a
network error such as a timeout) adds its duration to its connector's count and sum. The figures live
in the process's memory: each gunicorn worker (and each queue consumer) counts its own calls and
starts again from zero when it restarts; /metrics shows those of the worker that answers the scrape.
"""

import threading

_lock = threading.Lock()
_calls = {}  # connector link name -> [count, sum of seconds]


def observe(connector, seconds):
    with _lock:
        figures = _calls.setdefault(connector, [0, 0.0])
        figures[0] += 1
        figures[1] += seconds


def snapshot():
    """{connector link name: (count, sum of seconds)}, sorted by name."""
    with _lock:
        return {name: (count, total) for name, (count, total) in sorted(_calls.items())}
