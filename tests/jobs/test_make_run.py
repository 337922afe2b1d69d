"""`make run`'s server script (tools/serve.py): the web server and a queue consumer together, stopped together."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.jobs.queue import PROJECT_ROOT, database_url
from tests.peers.servers import free_port, wait_until_answers

pytestmark = pytest.mark.django_db(transaction=True)


def children_of(pid):
    found = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(line.split(None, 1)[0]): line.split(None, 1)[1] for line in found.splitlines() if line.strip()}


def start(tmp_path):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url(),
           "CONNECTORS_QUEUE_IMMEDIATE": "0", "CONNECTORS_QUEUE_FILE": str(tmp_path / "queue.sqlite3"),
           "CONNECTORS_QUEUE_NAME": "serve-test"}
    env.pop("REDIS_URL", None)
    log = open(tmp_path / "serve.log", "wb")
    process = subprocess.Popen([sys.executable, "tools/serve.py", f"127.0.0.1:{port}"], cwd=PROJECT_ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    wait_until_answers(f"http://127.0.0.1:{port}/", timeout=60)
    deadline = time.monotonic() + 60
    while "consumer started" not in (tmp_path / "serve.log").read_text().lower() and time.monotonic() < deadline:
        time.sleep(0.2)
    return process, port


def test_ctrl_c_stops_the_web_server_and_the_consumer(tmp_path):
    process, port = start(tmp_path)
    kids = children_of(process.pid)
    assert any("runserver" in args for args in kids.values()) and any("run_huey" in args for args in kids.values())
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    log = (tmp_path / "serve.log").read_text()
    assert "Consumer exiting" in log, log[-3000:]
    assert all(subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0 for pid in kids)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_when_the_consumer_dies_the_web_server_is_stopped_too(tmp_path):
    process, port = start(tmp_path)
    consumer = next(pid for pid, args in children_of(process.pid).items() if "run_huey" in args)
    os.kill(consumer, signal.SIGKILL)
    assert process.wait(timeout=30) != 0
    assert "The queue process exited" in (tmp_path / "serve.log").read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)
