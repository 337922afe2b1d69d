"""A second process of the refresh storm: N threads call through one connection at the same moment.

Run by test_refresh_storm with the test database and the short token timeout in its environment:
``python -m tests.connections.storm_worker <connection pk> <url> <threads>``. It prints "ready",
waits for a line on stdin (so that both processes start together), then prints one JSON line:
a list of [outcome, seconds] per call (outcome: the HTTP status, or the error message).
"""

import json
import os
import sys
import threading
import time


def call_through(pk, url, barrier):
    from django.db import connection as db

    from connections import services
    from connections.models import Connection

    try:
        connection = Connection.objects.select_related("connector").get(pk=pk)
        barrier.wait()
        started = time.monotonic()
        try:
            outcome = services.connection_request(connection, "GET", url).status_code
        except services.ConnectionUnavailable as error:
            outcome = str(error)
        return [outcome, time.monotonic() - started]
    finally:
        db.close()


def main(pk, url, threads):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    barrier, results = threading.Barrier(threads + 1), [None] * threads

    def run(index):
        results[index] = call_through(pk, url, barrier)

    workers = [threading.Thread(target=run, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    print("ready", flush=True)
    sys.stdin.readline()
    barrier.wait()
    for worker in workers:
        worker.join()
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
