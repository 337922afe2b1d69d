"""The production server as the README starts it: gunicorn with the shipped gunicorn.conf.py.

While a token endpoint hangs, two console calls through a connection whose token must be
refreshed are answered with the refresh failure, not a 500 or a WORKER TIMEOUT.
"""

import inspect
import os
import re
import runpy
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.db import connection as db
from django.utils import timezone

from connections.models import Connection
from connectors_site import outbound, timeouts
from tests.connections.oauth_helpers import authorize_oauth2, oauth2_connector
from tests.jobs.queue import database_url
from tests.peers.oauth_fixtures import form_fields

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG = PROJECT_ROOT / "gunicorn.conf.py"
LISTENING = re.compile(r"Listening at: (http://\S+)")


def test_the_worker_timeout_is_safely_above_every_outbound_timeout():
    config = runpy.run_path(str(CONFIG))
    token = timeouts.longest(timeouts.TOKEN_DEFAULT)
    request = timeouts.longest(inspect.signature(outbound.send).parameters["timeout"].default)
    assert timeouts.REQUEST_DEFAULT == inspect.signature(outbound.send).parameters["timeout"].default
    assert config["timeout"] > 3 * token + 2 * request
    assert config["worker_class"] == "gthread" and config["threads"] > 1
    assert timeouts.worker_timeout({"CONNECTORS_TOKEN_TIMEOUT": "10,120"}) > 3 * (10 + 240)


def start_gunicorn(environment):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "--bind", "127.0.0.1:0", "--workers", "1",
         "--threads", "4", "connectors_site.wsgi"],
        cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        lines.append(line)
        if match := LISTENING.search(line):
            log = []
            threading.Thread(target=lambda: log.extend(process.stderr), daemon=True).start()
            return process, match.group(1), log
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError("gunicorn did not start:\n" + "".join(lines))


@pytest.mark.django_db(transaction=True)
def test_console_calls_while_the_token_endpoint_hangs_get_no_500(client, make_user, oauth2_provider):
    if db.vendor == "sqlite":
        pytest.skip("gunicorn needs a database another process can open: this runs on PostgreSQL.")
    user = make_user("gunicorn-user")
    client.force_login(user)
    connector = oauth2_connector(oauth2_provider)
    authorize_oauth2(client, oauth2_provider, connector)
    connection = Connection.objects.get()
    connector.config = {**connector.config, "refresh_url": oauth2_provider.fault_url("token-slow", seconds=30)}
    connector.save()
    Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "CONNECTORS_TOKEN_TIMEOUT": "1,2",
                   "DATABASE_URL": database_url()}
    process, base_url, log = start_gunicorn(environment)
    try:
        cookies = {"sessionid": client.cookies["sessionid"].value}
        # A worker's first request imports the URLconf (views, the API's schema): slow on a loaded machine.
        page = requests.get(f"{base_url}{connection.get_absolute_url()}", cookies=cookies, timeout=120)
        assert page.status_code == 200
        cookies["csrftoken"] = page.cookies["csrftoken"]
        form = {"csrfmiddlewaretoken": form_fields(page.text)["csrfmiddlewaretoken"], "method": "GET",
                "url": oauth2_provider.resource_url, "body_type": "none"}
        answers = [None, None]

        def console(index):
            answers[index] = requests.post(f"{base_url}/connections/{connection.link_name}/console/", data=form,
                                           cookies=cookies, timeout=60)

        started = time.monotonic()
        callers = [threading.Thread(target=console, args=(index,)) for index in range(2)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()
        elapsed = time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert [answer.status_code for answer in answers] == [400, 400], [answer.text[:300] for answer in answers]
    assert all("could not be refreshed" in answer.text for answer in answers)
    assert elapsed < 1 + 2 + timeouts.LOCK_MARGIN + 2
    assert "WORKER TIMEOUT" not in "".join(log)


def access_log_lines(environment, *options, headers=None):
    """The access log lines gunicorn (the shipped config and `options`) writes for two unauthenticated API calls."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "--bind", "127.0.0.1:0", "--workers", "1",
         *options, "connectors_site.wsgi"],
        cwd=PROJECT_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (match := LISTENING.search(process.stderr.readline())):
            assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
        for path in ("/api/v1/proxy/some_link/v1/items?page=2", "/api/v1/proxy/other/"):
            sent = {"Referer": "https://example.org/", **(headers or {})}
            answer = requests.get(f"{match.group(1)}{path}", headers=sent, timeout=60)
            assert answer.status_code == 401
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    return output.splitlines()


def test_the_access_log_line_is_gunicorns_own(tmp_path):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
                   "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    ours = access_log_lines(environment)
    theirs = access_log_lines(environment, "--logger-class", "gunicorn.glogging.Logger")
    time_stamp = re.compile(r"\[[^]]+\]")  # [01/Dec/2026:01:02:03 +0000]: when each request was served
    assert len(ours) == 2 and [time_stamp.sub("[T]", line) for line in ours] == [
        time_stamp.sub("[T]", line) for line in theirs]
    assert '"GET /api/v1/proxy/some_link/v1/items?page=2 HTTP/1.1" 401' in ours[0]
    assert '"https://example.org/" "python-requests/' in ours[0]
    # A format naming a request header ({name}i), a response header ({name}o) or an environ entry ({name}e).
    named_format = "%(s)s %({x-trace}i)s %({content-type}o)s %({path_info}e)s"
    named = access_log_lines(environment, "--access-logformat", named_format, headers={"X-Trace": "abc"})
    assert named[1] == "401 abc application/problem+json /api/v1/proxy/other/"
