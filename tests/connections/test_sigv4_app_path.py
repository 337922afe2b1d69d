"""AWS's Signature V4 test suite through the app's whole request path: a connection's call
(connections.services.connection_request → the AWS type → the outbound client) to a server on
127.0.0.1 that checks what arrives the way AWS does.

The server rebuilds the canonical request from the request it received (the signed headers the
Authorization names, the request-target as it arrived) and checks the signature with the
suite's secret, as moto and AWS do; its canonical URI, query and the suite's header lines must
be the suite's (the client adds headers of its own, Accept for one, and signs them too).

Two cases give a request-target no HTTP client may send (RFC 9112 3.2: ASCII, no space):
get-utf8 (/ሴ) and normalize-path/get-space (/example space/). Their requests go percent-encoded,
and SigV4 (but for S3) encodes the path it receives once more, as AWS documents ("/documents and
settings/" → "/documents%2520and%2520settings/"); those two check the signature of what was sent.
"""

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug.wrappers import Request, Response

from builder.models import Connector, Stage
from connections import services
from connections.models import Connection
from tests.auth_types.test_sigv4_conformance import (
    CREDENTIALS, SUITE_DATE, TIMESTAMP, _case_names, load_case, suite_headers,
)
from tests.peers.servers import serve_wsgi

pytestmark = pytest.mark.django_db

UNSENDABLE = {"get-utf8": "/%E1%88%B4", "normalize-path/get-space": "/example%20space/"}


@pytest.fixture(scope="module")
def aws_like_server():
    """Serve a checker of SigV4 signatures; yield (base URL, the requests it received)."""
    received = []

    def app(environ, start_response):
        request = Request(environ)
        received.append({"method": request.method, "target": environ["RAW_URI"], "headers": dict(request.headers),
                         "body": request.get_data()})
        return Response("checked")(environ, start_response)

    base_url, stop = serve_wsgi(app)
    yield base_url, received
    stop()


def check(arrived):
    """Return (canonical request, whether the signature verifies) of a request as it arrived."""
    authorization = arrived["headers"]["Authorization"]
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    headers = {name: value for name, value in arrived["headers"].items() if name.lower() in signed}
    request = AWSRequest(method=arrived["method"], url=f"https://{arrived['headers']['Host']}{arrived['target']}",
                         data=arrived["body"], headers=headers)
    request.context["timestamp"] = arrived["headers"]["X-Amz-Date"]
    credentials = Credentials(CREDENTIALS["access_key"], CREDENTIALS["secret_key"],
                              arrived["headers"].get("X-Amz-Security-Token"))
    verifier = SigV4Auth(credentials, CREDENTIALS["service"], CREDENTIALS["region"])
    canonical = verifier.canonical_request(request)
    signature = verifier.signature(verifier.string_to_sign(request, canonical), request)
    return canonical, authorization.endswith(f"Signature={signature}")


@pytest.fixture
def suite_clock(monkeypatch):
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: TIMESTAMP)


def connection_for(case, make_user, base_url):
    connector = Connector.objects.create(name="Suite", link_name="suite", auth_type="aws_sigv4", stage=Stage.READY,
                                         config={"service": CREDENTIALS["service"], "region": CREDENTIALS["region"]},
                                         base_url=base_url)
    credentials = {"access_key_id": CREDENTIALS["access_key"], "secret_access_key": CREDENTIALS["secret_key"],
                   "session_token": case["session_token"] or ""}
    return Connection.objects.create(connector=connector, owner=make_user("suite"), name="Suite", link_name="suite",
                                     secrets=credentials, status=Connection.Status.CONNECTED)


def send(case, connection, base_url):
    """Call the case's request through the connection, to the local server, with the case's Host."""
    target = case["url"].split(".amazonaws.com", 1)[1]
    host = next(value for name, value in case["headers"] if name.lower() == "host")
    headers = {**suite_headers(case), "Host": host}
    return services.connection_request(connection, case["method"], base_url + target, headers=headers,
                                       data=case["body"])


@pytest.mark.parametrize("case", [name for name in _case_names() if name not in UNSENDABLE])
def test_each_case_through_a_connection_arrives_signed_as_the_suite_says(case, aws_like_server, make_user,
                                                                          suite_clock):
    base_url, received = aws_like_server
    c = load_case(case)
    assert send(c, connection_for(c, make_user, base_url), base_url).status_code == 200
    arrived = received[-1]
    canonical, verified = check(arrived)
    assert verified, canonical
    assert arrived["headers"]["X-Amz-Date"] == SUITE_DATE
    expected = c["creq"].split("\n")
    lines = canonical.split("\n")
    assert lines[:3] == expected[:3]  # method, canonical URI, canonical query
    suite_headers_block = expected[3:expected.index("")]
    assert set(suite_headers_block) <= set(lines[3:lines.index("")])
    assert lines[-1] == expected[-1]  # the payload hash


@pytest.mark.parametrize("case", UNSENDABLE)
def test_a_target_no_client_may_send_goes_encoded_and_signed_as_sent(case, aws_like_server, make_user, suite_clock):
    base_url, received = aws_like_server
    c = load_case(case)
    assert send(c, connection_for(c, make_user, base_url), base_url).status_code == 200
    arrived = received[-1]
    assert arrived["target"] == UNSENDABLE[case]
    canonical, verified = check(arrived)
    assert verified and canonical.split("\n")[1] == UNSENDABLE[case].replace("%", "%25")
