"""Check auth_types.sigv4 against AWS's Signature Version 4 test suite.

The suite (Apache-2.0, see its LICENSE, NOTICE and SOURCE) lives in ../shared next to the
project and is read in place, never copied. Each case directory holds NAME.req (the raw
request), NAME.creq (canonical request), NAME.sts (string to sign) and NAME.authz
(Authorization header).

Every case is signed twice, all 34 of them:

* through ``canonical_parts``, with the request line, headers and body exactly as the .req
  file gives them, comparing all three artefacts;
* through the auth object the AWS type gives a connection (the registry's ``aws_sigv4``), applied
  to the request as the outbound client hands it over (a prepared request) holding the .req's
  request-target as it is on the wire, comparing the Authorization header.

The suite's request-target is the path as sent, and SigV4 (but for S3) URI-encodes it once more
(botocore's signer, and AWS's checks, do). tests/connections/test_sigv4_app_path.py sends every
case through a connection to a server that checks what arrived.
"""

import datetime
import hashlib
from pathlib import Path

import botocore.auth
import pytest
import requests

from auth_types import registry
from auth_types.sigv4 import SigV4Auth, canonical_parts

SUITE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "aws4_testsuite"

# The suite's fixed inputs: the key id and date appear in every .authz/.sts; the secret key is
# the one published with the suite; the scope in every .sts is 20150830/us-east-1/service.
CREDENTIALS = {
    "access_key": "AKIDEXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "service": "service",
    "region": "us-east-1",
}
SUITE_DATE = "20150830T123600Z"
TIMESTAMP = datetime.datetime(2015, 8, 30, 12, 36, 0)
# get-vanilla-with-session-token's .req carries no token: the suite shows it only in the
# expected canonical request, so give it here as that case's input.
SESSION_TOKENS = {
    "get-vanilla-with-session-token": "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
}

def _case_names():
    return sorted(str(req.parent.relative_to(SUITE)) for req in SUITE.rglob("*.req"))


def _read(case, suffix):
    path = SUITE / case / (Path(case).name + suffix)
    return path.read_text(encoding="utf-8").replace("\r\n", "\n")


def parse_request(raw):
    """Split a raw HTTP/1.1 request into method, target, [(name, value)] and body.

    Unfold obs-fold continuation lines into the field value with one space (RFC 9112 5.2),
    strip optional whitespace around values, keep repeated header names.
    """
    head, _, body = raw.partition("\n\n")
    request_line, *lines = head.removesuffix("\n").split("\n")  # some files end in one LF
    method, _, rest = request_line.partition(" ")
    target, _, version = rest.rpartition(" ")  # the target may hold a raw space
    assert version == "HTTP/1.1", request_line
    headers = []
    for line in lines:
        if line[:1] in (" ", "\t"):
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
        else:
            name, sep, value = line.partition(":")
            assert sep, line
            headers.append((name, value.strip()))
    return method, target, headers, body


def load_case(case):
    method, target, headers, body = parse_request(_read(case, ".req"))
    lookup = {name.lower(): value for name, value in headers}
    assert lookup["x-amz-date"] == SUITE_DATE
    return {
        "method": method,
        "url": f"https://{lookup['host']}{target}",
        "headers": headers,
        "body": body.encode("utf-8") or None,
        "session_token": lookup.get("x-amz-security-token") or SESSION_TOKENS.get(case),
        "creq": _read(case, ".creq"),
        "sts": _read(case, ".sts"),
        "authz": _read(case, ".authz"),
    }


CASES = [pytest.param(case, id=case) for case in _case_names()] if SUITE.is_dir() else []


def test_suite_is_present_and_complete():
    cases = _case_names()
    assert len(cases) >= 30, f"expected the aws4 test suite in {SUITE}"
    for case in cases:
        for suffix in (".creq", ".sts", ".authz"):
            assert (SUITE / case / (Path(case).name + suffix)).is_file(), (case, suffix)


@pytest.mark.parametrize("case", CASES)
def test_canonical_parts(case):
    c = load_case(case)
    parts = canonical_parts(
        c["method"], c["url"], c["headers"], c["body"],
        session_token=c["session_token"], timestamp=TIMESTAMP, **CREDENTIALS,
    )
    assert parts["canonical_request"] == c["creq"]
    assert parts["string_to_sign"] == c["sts"]
    assert parts["authorization"] == c["authz"]


@pytest.fixture
def suite_clock(monkeypatch):
    """Pin the clock botocore's add_auth reads (botocore.auth.get_current_datetime) to the suite's date.

    add_auth takes no timestamp and overwrites any preset one, so this is the only way to check
    the real signing route byte for byte; monkeypatch undoes it after the test.
    """
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: TIMESTAMP)


def suite_headers(case):
    """Return the case's headers as one value per name, Host and the session token left to the signer.

    A request holds one value per header name: repeated fields are sent as one comma-joined
    field (RFC 9110 5.3), which is what SigV4 canonicalises them to.
    """
    headers = {}
    for name, value in case["headers"]:
        if name.lower() not in ("host", "x-amz-security-token"):
            headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def as_sent(case):
    """Return the request as the outbound client hands it to an auth: prepared, its target as on the wire."""
    prepared = requests.PreparedRequest()
    prepared.prepare_method(case["method"])
    prepared.url = case["url"]  # the .req's request-target, not percent-encoded again
    prepared.prepare_headers(suite_headers(case))
    prepared.prepare_body(case["body"], None)
    return prepared


@pytest.mark.parametrize("case", CASES)
def test_the_aws_type_signs_the_request_as_sent(case, suite_clock):
    c = load_case(case)
    credentials = {"access_key_id": CREDENTIALS["access_key"], "secret_access_key": CREDENTIALS["secret_key"],
                   "session_token": c["session_token"] or ""}
    auth = registry.get("aws_sigv4").auth({"service": "service", "region": "us-east-1"}, credentials)
    prepared = auth(as_sent(c))
    assert prepared.headers["X-Amz-Date"] == SUITE_DATE
    assert prepared.headers["Authorization"] == c["authz"]
    if c["session_token"]:
        assert prepared.headers["X-Amz-Security-Token"] == c["session_token"]


# --- SigV4Auth on ordinary requests -------------------------------------------------------

S3_KEYS = {"access_key": "AKIDEXAMPLE", "secret_key": "s3cr3t/KEY+value", "region": "eu-west-2"}


def test_s3_signs_payload_hash_and_session_token():
    body = b'{"hello": "world"}'
    auth = SigV4Auth(service="s3", session_token="TOKEN/with+chars==", **S3_KEYS)
    prepared = requests.Request(
        "PUT", "https://bucket.s3.eu-west-2.amazonaws.com/some/key.json", data=body, auth=auth
    ).prepare()
    headers = prepared.headers
    assert headers["X-Amz-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    assert headers["X-Amz-Security-Token"] == "TOKEN/with+chars=="
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-2/s3/aws4_request, " in headers["Authorization"]
    signed = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert signed == ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"]
    assert prepared.body == body


def test_s3_signature_matches_canonical_parts():
    body = "héllo"  # a str body is signed, and sent, as UTF-8
    auth = SigV4Auth(service="s3", **S3_KEYS)
    prepared = requests.Request(
        "POST", "https://bucket.s3.amazonaws.com/a//b?acl&x=1 2", data=body, auth=auth
    ).prepare()
    assert prepared.body == body.encode("utf-8")
    assert prepared.headers["X-Amz-Content-SHA256"] == hashlib.sha256(body.encode()).hexdigest()
    stamp = datetime.datetime.strptime(prepared.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    parts = canonical_parts(
        "POST", prepared.url, prepared.headers, body,
        service="s3", timestamp=stamp, **S3_KEYS,
    )
    assert parts["authorization"] == prepared.headers["Authorization"]
    # S3 paths are not normalised; the query is re-encoded strictly and sorted.
    assert parts["canonical_request"].split("\n")[1:3] == ["/a//b", "acl=&x=1%202"]


def test_other_services_sign_the_sent_path_encoded_again():
    auth = SigV4Auth(service="execute-api", **S3_KEYS)
    prepared = requests.Request("GET", "https://api.example.com/a b/ሴ", auth=auth).prepare()
    assert prepared.url == "https://api.example.com/a%20b/%E1%88%B4"
    stamp = datetime.datetime.strptime(prepared.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    parts = canonical_parts(
        "GET", prepared.url, {}, None, service="execute-api", timestamp=stamp, **S3_KEYS
    )
    assert parts["authorization"] == prepared.headers["Authorization"]
    assert parts["canonical_request"].split("\n")[1] == "/a%2520b/%25E1%2588%25B4"


def test_no_session_token_header_without_token():
    prepared = requests.Request(
        "GET", "https://sts.amazonaws.com/", auth=SigV4Auth(service="sts", **S3_KEYS)
    ).prepare()
    assert "X-Amz-Security-Token" not in prepared.headers
    assert "X-Amz-Content-SHA256" not in prepared.headers


def test_resigning_replaces_stale_signing_headers(suite_clock):
    stale = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=OLD",
        "X-Amz-Date": "20000101T000000Z",
        "X-Amz-Security-Token": "OLD-TOKEN",
        "X-Amz-Content-SHA256": "0" * 64,
        "X-Amz-Target": "Service.Operation",  # not a signing header: keep it, and sign it
    }
    auth = SigV4Auth(service="s3", **S3_KEYS)
    prepared = requests.Request("GET", "https://b.s3.amazonaws.com/k", headers=stale, auth=auth).prepare()
    first = dict(prepared.headers)
    assert "X-Amz-Security-Token" not in prepared.headers
    assert prepared.headers["X-Amz-Content-SHA256"] == hashlib.sha256(b"").hexdigest()
    assert prepared.headers["X-Amz-Target"] == "Service.Operation"
    assert "x-amz-target" in prepared.headers["Authorization"]
    assert prepared.headers["X-Amz-Date"] == SUITE_DATE
    # Signing the same request again (a retry) yields the same headers, nothing piled up.
    assert dict(auth(prepared).headers) == first


def test_streaming_body_is_refused():
    auth = SigV4Auth(service="execute-api", **S3_KEYS)
    request = requests.Request("POST", "https://api.example.com/", data=iter([b"a", b"b"]))
    with pytest.raises(ValueError, match="streaming body"):
        request.prepare().prepare_auth(auth)
    with open(__file__, "rb") as file, pytest.raises(ValueError, match="streaming body"):
        requests.Request("PUT", "https://api.example.com/", data=file, auth=auth).prepare()


def test_repr_hides_secrets():
    auth = SigV4Auth("AKIDEXAMPLE", "wJalrXUtnFEMI/SECRET", "s3", "us-east-1", session_token="FwoGZXIvTOKEN")
    text = repr(auth)
    assert "SECRET" not in text and "TOKEN" not in text
    assert text == (
        "SigV4Auth(access_key='AKIDEXAMPLE', secret_key='***', service='s3', "
        "region='us-east-1', session_token='***')"
    )
    assert "session_token=None" in repr(SigV4Auth("AKID", "x", "s3", "us-east-1"))
