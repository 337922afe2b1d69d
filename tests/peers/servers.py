"""Start real third-party servers on 127.0.0.1 for tests: httpbin, and moto with IAM auth on.

Plain helpers, no pytest here: ``fixtures.py`` turns them into session fixtures. Every server
binds port 0 so the kernel hands out a free port with no race between choosing and binding.
"""

import json
import socket
import threading
import time
import uuid

import requests
from werkzeug.serving import make_server

HOST = "127.0.0.1"
# Moto's account for every key it issues unless told otherwise.
MOTO_ACCOUNT_ID = "123456789012"
# Not us-east-1, so a signer or client that hardcodes the default region fails.
MOTO_REGION = "eu-central-1"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
DENY_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


def free_port():
    """Return a TCP port on 127.0.0.1 that was free a moment ago.

    Prefer binding port 0 where the server allows it (``serve_wsgi`` does): another process
    may take this port between now and the bind.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until_answers(url, timeout=10.0):
    """Poll ``url`` until it answers with any HTTP status; raise TimeoutError after ``timeout`` s.

    A server that accepts but is slow to answer its first request (moto loads its backends then,
    and the machine may be busy) is waited for too, up to the same deadline.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=(0.5, max(0.5, deadline - time.monotonic())), allow_redirects=False)
            return
        except (requests.ConnectionError, requests.Timeout) as error:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout} s") from error
            time.sleep(0.02)


def serve_wsgi(app, *, request_handler=None, port=0):
    """Serve a WSGI app from a daemon thread on a free port; return ``(base_url, stop)``.

    The server is werkzeug's threaded one, so a test can hold a keep-alive connection open
    while another request is served. ``stop()`` returns once the port is closed.
    """
    server = make_server(HOST, port, app, threaded=True, request_handler=request_handler)
    # A short poll interval makes shutdown() return in ~50 ms rather than werkzeug's 0.5 s.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"wsgi-{server.server_port}", daemon=True)
    thread.start()
    base_url = f"http://{HOST}:{server.server_port}"
    wait_until_answers(base_url)

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return base_url, stop


def start_httpbin(port=0):
    """Serve httpbin; return ``(base_url, stop)``."""
    import httpbin  # imported late: it logs a warning at import when flasgger is absent

    return serve_wsgi(httpbin.app, port=port)


class MotoPeer:
    """A running moto server that checks every request's signature and IAM permissions.

    ``admin_key`` is the (access key id, secret) pair of an allow-all user created before auth
    was switched on; the helpers sign with it to create further users, keys and roles.
    """

    def __init__(self, url, region, admin_key):
        import botocore.session

        self.url = url
        self.region = region
        self.account_id = MOTO_ACCOUNT_ID
        self.admin_key = admin_key
        self._session = botocore.session.Session()

    def __repr__(self):
        return f"MotoPeer(url={self.url!r}, region={self.region!r})"

    def client(self, service, access_key_id, secret_access_key, session_token=None, *, region=None):
        """Return a botocore client for ``service`` that talks to this server, signing with the key."""
        from botocore.config import Config

        # Path-style S3 addressing: virtual-host style would need <bucket>.127.0.0.1 to resolve.
        config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                        connect_timeout=2, read_timeout=10)
        return self._session.create_client(
            service, region_name=region or self.region, endpoint_url=self.url, config=config,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
        )

    def admin_client(self, service):
        """Return a botocore client for ``service`` signed with the admin key."""
        return self.client(service, *self.admin_key)

    @staticmethod
    def unique_name(prefix="peer"):
        """Return a name no other test uses: moto's state lives as long as the server."""
        return f"{prefix}-{uuid.uuid4().hex[:12]}"

    def create_user_key(self, user_name=None, *, policy=ALLOW_ALL):
        """Create an IAM user with ``policy`` inline and an access key; return (key id, secret)."""
        return _create_user_key(self.admin_client("iam"), user_name or self.unique_name("user"), policy)

    def assume_role(self, role_name=None, *, policy=ALLOW_ALL):
        """Create a role with ``policy`` and assume it; return (key id, secret, session token)."""
        iam = self.admin_client("iam")
        role_name = role_name or self.unique_name("role")
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
        role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        iam.put_role_policy(RoleName=role_name, PolicyName="inline", PolicyDocument=json.dumps(policy))
        credentials = self.admin_client("sts").assume_role(
            RoleArn=role["Arn"], RoleSessionName=self.unique_name("session"))["Credentials"]
        return credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]


def _create_user_key(iam, user_name, policy):
    iam.create_user(UserName=user_name)
    iam.put_user_policy(UserName=user_name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _reset_auth(url, no_auth_action_count):
    """Let the next ``no_auth_action_count`` requests through unchecked; return the previous count."""
    response = requests.post(f"{url}/moto-api/reset-auth", data=str(no_auth_action_count).encode(), timeout=5)
    response.raise_for_status()
    return response.json()["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]


def start_moto(region=MOTO_REGION, port=0):
    """Start moto in a thread with IAM auth on; return ``(MotoPeer, stop)``.

    Create the admin user and key while auth is off, then switch checking on for every later
    request (POST /moto-api/reset-auth with 0), as moto's docs prescribe for server mode.

    Moto's backends and its auth switch are module globals of this process, shared with any
    in-process ``mock_aws``: such a mock would reset the users made here. Use one or the other.
    """
    from botocore.session import Session
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    wait_until_answers(f"{url}/moto-api/")
    # The INITIAL_NO_AUTH_ACTION_COUNT environment variable may have left auth on; turn it off
    # for the set-up calls, and remember the setting to restore it on stop.
    previous_count = _reset_auth(url, "inf")
    bootstrap_iam = Session().create_client(
        "iam", region_name=region, endpoint_url=url, aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap")
    admin_key = _create_user_key(bootstrap_iam, MotoPeer.unique_name("admin"), ALLOW_ALL)
    _reset_auth(url, 0)

    def stop():
        _reset_auth(url, previous_count)
        server.stop()
        # ThreadedMotoServer.stop() ends the serving loop but leaves the listening socket open.
        listener = getattr(server, "_server", None)
        if listener is not None:
            listener.server_close()

    return MotoPeer(url, region, admin_key), stop


# Headers every client sends; the echo server repeats every other one (where credentials travel).
_ORDINARY_HEADERS = {"host", "accept", "accept-encoding", "connection", "user-agent", "content-length",
                     "content-type"}


def credential_echo_app(environ, start_response):
    """A careless API that repeats what carries credentials (every unusual header, the query string and its
    values) in its reason phrase, its headers and its body: as is, base64-encoded and percent-encoded."""
    import base64
    from urllib.parse import parse_qsl, quote

    carried = [value for key, value in environ.items() if key.startswith("HTTP_")
               and key[5:].replace("_", "-").lower() not in _ORDINARY_HEADERS]
    query = environ.get("QUERY_STRING", "")
    values = carried + [value for _, value in parse_qsl(query)]
    echoed = " ".join(carried + ([query] if query else []))
    body = json.dumps({"echoed": echoed, "each": values,
                       "base64": [base64.b64encode(value.encode("latin-1")).decode() for value in values],
                       "quoted": [quote(value, safe="") for value in values]}).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    headers += [(f"X-Echo-{number}", value) for number, value in enumerate(carried)]
    start_response(f"200 {echoed}" if echoed else "200 OK", headers)
    return [body]


def start_credential_echo(port=0):
    """Serve credential_echo_app; return ``(base_url, stop)``."""
    return serve_wsgi(credential_echo_app, port=port)
