"""Start the OAuth2 peer in a child process and talk to its test-only endpoints.

This is the one module of the package the test process imports: it must not touch
Django, whose settings there are our app's.
"""

import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[3]
LISTENING = re.compile(r"listening on (http://\S+?)/?$", re.MULTILINE)


class PeerStartError(RuntimeError):
    """The OAuth2 peer exited or stayed silent instead of listening."""


@dataclass
class OAuth2Peer:
    """A running OAuth2 provider: its URLs, its seeded accounts and its admin endpoints."""

    base_url: str
    username: str
    password: str = field(repr=False)
    client_id: str
    client_secret: str = field(repr=False)
    cc_client_id: str
    cc_client_secret: str = field(repr=False)
    admin_secret: str = field(repr=False)
    process: subprocess.Popen = field(repr=False)
    log_dir: tempfile.TemporaryDirectory = field(repr=False)

    @property
    def authorize_url(self):
        return self.base_url + "/o/authorize/"

    @property
    def token_url(self):
        return self.base_url + "/o/token/"

    @property
    def revoke_url(self):
        return self.base_url + "/o/revoke_token/"

    @property
    def introspect_url(self):
        return self.base_url + "/o/introspect/"

    @property
    def resource_url(self):
        return self.base_url + "/api/me/"

    @property
    def write_resource_url(self):
        """A resource that answers 403 insufficient_scope to tokens without "write"."""
        return self.base_url + "/api/write/"

    @property
    def login_url(self):
        return self.base_url + "/accounts/login/"

    def fault_url(self, name, **query):
        """Return e.g. ``fault_url("token-quirks", expires_in="string")``."""
        url = f"{self.base_url}/faults/{name}/"
        return f"{url}?{urlencode(query)}" if query else url

    def _admin(self, name, **data):
        response = requests.post(self.fault_url(name), data=data, headers={"X-Peer-Secret": self.admin_secret},
                                 timeout=10)
        response.raise_for_status()
        return response.json()

    def set_redirect_uris(self, *uris):
        """Make ``uris`` (exact matches) the only redirect URIs of the web client."""
        return self._admin("set-redirect-uris", uris=" ".join(uris))["redirect_uris"]

    def add_redirect_uri(self, uri):
        return self._admin("set-redirect-uris", uris=uri, mode="add")["redirect_uris"]

    def as_another_account(self, username):
        """Return this peer as seen by another account (created now): sign in with it at the consent page."""
        import dataclasses

        password = secrets.token_urlsafe(12)
        self._admin("add-user", username=username, password=password)
        return dataclasses.replace(self, username=username, password=password)

    def set_access_token_ttl(self, seconds):
        """Give tokens issued from now on this lifetime; return the previous one."""
        return self._admin("configure", access_token_ttl=seconds)["previous"]

    @contextmanager
    def token_lifetime(self, seconds):
        """Issue tokens with this lifetime inside the block, then restore the previous one."""
        previous = self.set_access_token_ttl(seconds)
        try:
            yield
        finally:
            self.set_access_token_ttl(previous)

    @property
    def issuer(self):
        return self.base_url + "/o"

    @property
    def discovery_url(self):
        """OpenID Connect discovery (its issuer is ``issuer``)."""
        return self.base_url + "/o/.well-known/openid-configuration"

    @contextmanager
    def authorization_response_iss(self, on):
        """Inside the block, send iss in authorization responses (RFC 9207) and say so in discovery, or not."""
        previous = self._admin("configure", authorization_response_iss="1" if on else "0")["previous_iss"]
        try:
            yield
        finally:
            self._admin("configure", authorization_response_iss="1" if previous else "0")

    def expire_access_tokens(self):
        """Make every access token issued so far expired (their refresh tokens still work)."""
        return self._admin("expire-tokens")["expired"]

    def counts(self):
        """Return {path: number of requests} since the start or the last reset."""
        return requests.get(self.fault_url("counts"), timeout=10).json()

    def reset_counts(self):
        requests.post(self.fault_url("counts/reset"), timeout=10).raise_for_status()

    def log(self):
        """Return what the server wrote to stderr: its access log and tracebacks."""
        return (Path(self.log_dir.name) / "stderr.log").read_text(errors="replace")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_dir.cleanup()


def _wait_until_listening(process, stdout_path, stderr_path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = LISTENING.search(stdout_path.read_text())
        if match:
            return match.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.kill()
    process.wait()
    raise PeerStartError("The OAuth2 peer did not start:\n" + stderr_path.read_text(errors="replace")[-4000:])


def start_oauth2_peer(*, host="127.0.0.1", port=0, redirect_uris=(), access_token_ttl=3600, pkce="optional",
                      username="alice", password=None, client_id="connectors-web-client", client_secret=None,
                      cc_client_id="connectors-machine-client", cc_client_secret=None, timeout=30):
    """Start the OAuth2 peer on ``port`` (0: a free one) and return once it listens.

    Secrets left as None are random; they reach the child through its environment.
    pkce="required" rejects authorization requests without a code_challenge.
    """
    password = password or secrets.token_urlsafe(12)
    client_secret = client_secret or secrets.token_urlsafe(24)
    cc_client_secret = cc_client_secret or secrets.token_urlsafe(24)
    admin_secret = secrets.token_urlsafe(24)
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env.update(OAUTH2_PEER_PASSWORD=password, OAUTH2_PEER_CLIENT_SECRET=client_secret,
               OAUTH2_PEER_CC_CLIENT_SECRET=cc_client_secret, OAUTH2_PEER_ADMIN_SECRET=admin_secret)
    log_dir = tempfile.TemporaryDirectory(prefix="oauth2-peer-log-")
    stdout_path, stderr_path = Path(log_dir.name) / "stdout.log", Path(log_dir.name) / "stderr.log"
    command = [sys.executable, "-m", "tests.peers.oauth2_server", "--exit-with-parent", "--host", host,
               "--port", str(port), "--redirect-uris", " ".join(redirect_uris),
               "--access-token-ttl", str(access_token_ttl), "--pkce", pkce, "--username", username,
               "--client-id", client_id, "--cc-client-id", cc_client_id]
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=stdout, stderr=stderr,
                                   stdin=subprocess.DEVNULL)
    base_url = _wait_until_listening(process, stdout_path, stderr_path, timeout)
    return OAuth2Peer(base_url=base_url, username=username, password=password, client_id=client_id,
                      client_secret=client_secret, cc_client_id=cc_client_id, cc_client_secret=cc_client_secret,
                      admin_secret=admin_secret, process=process, log_dir=log_dir)
