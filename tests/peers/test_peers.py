"""Prove the peer servers behave as the connection tests will rely on.

Run with the fixtures loaded: ``pytest -p tests.peers.fixtures tests/peers`` (or through
``pytest_plugins`` in tests/conftest.py).
"""

import time
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.exceptions import ClientError

from tests.peers.servers import DENY_ALL, serve_wsgi

STS_QUERY = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}


def error_code(response):
    """Return the <Code> of an AWS XML error body (STS nests it, S3 does not)."""
    return next(ET.fromstring(response.content).iter("Code")).text


def client_error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


# --- serve_wsgi -------------------------------------------------------------------------------

def hello_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def test_serve_wsgi_answers_then_closes_the_port_on_stop():
    started = time.monotonic()
    base_url, stop = serve_wsgi(hello_app)
    assert requests.get(base_url, timeout=2).text == "hello"
    stop()
    assert time.monotonic() - started < 3
    with pytest.raises(requests.ConnectionError):
        requests.get(base_url, timeout=2)


# --- httpbin ----------------------------------------------------------------------------------

def test_httpbin_basic_auth_accepts_the_right_password(httpbin_url):
    response = requests.get(f"{httpbin_url}/basic-auth/alice/s3cret", auth=("alice", "s3cret"), timeout=5)
    assert response.status_code == 200
    assert response.json() == {"authenticated": True, "user": "alice"}


def test_httpbin_basic_auth_rejects_a_wrong_password(httpbin_url):
    response = requests.get(f"{httpbin_url}/basic-auth/alice/s3cret", auth=("alice", "wrong"), timeout=5)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_httpbin_bearer_needs_a_bearer_token(httpbin_url):
    ok = requests.get(f"{httpbin_url}/bearer", headers={"Authorization": "Bearer tok-123"}, timeout=5)
    assert ok.status_code == 200
    assert ok.json() == {"authenticated": True, "token": "tok-123"}
    assert requests.get(f"{httpbin_url}/bearer", timeout=5).status_code == 401


def test_httpbin_headers_echoes_request_headers(httpbin_url):
    response = requests.get(f"{httpbin_url}/headers", headers={"X-Api-Key": "k-1"}, timeout=5)
    assert response.json()["headers"]["X-Api-Key"] == "k-1"


def test_httpbin_anything_echoes_query_form_and_headers(httpbin_url):
    response = requests.post(f"{httpbin_url}/anything/path", params={"q": "a b", "n": "1"},
                             data={"field": "value"}, headers={"X-Trace": "t-1"}, timeout=5)
    echoed = response.json()
    assert echoed["method"] == "POST"
    assert echoed["args"] == {"q": "a b", "n": "1"}
    assert echoed["form"] == {"field": "value"}
    assert echoed["headers"]["X-Trace"] == "t-1"
    assert echoed["url"].startswith(f"{httpbin_url}/anything/path?")


def test_httpbin_status_500(httpbin_url):
    assert requests.get(f"{httpbin_url}/status/500", timeout=5).status_code == 500


def test_httpbin_redirect_307_keeps_method_and_body(httpbin_url):
    target = f"{httpbin_url}/anything/landed"
    redirect = f"{httpbin_url}/redirect-to"
    params = {"url": target, "status_code": "307"}
    first = requests.post(redirect, params=params, data={"k": "v"}, allow_redirects=False, timeout=5)
    assert first.status_code == 307
    assert first.headers["Location"] == target

    followed = requests.post(redirect, params=params, data={"k": "v"}, timeout=5)
    assert [r.status_code for r in followed.history] == [307]
    assert followed.json()["method"] == "POST"
    assert followed.json()["form"] == {"k": "v"}


# --- moto through botocore --------------------------------------------------------------------

@pytest.fixture
def user_key(moto_server):
    user_name = moto_server.unique_name("user")
    access_key_id, secret = moto_server.create_user_key(user_name)
    return user_name, access_key_id, secret


@pytest.fixture
def bucket(moto_server):
    """Create a bucket with the admin key; return its name."""
    name = moto_server.unique_name("bucket")
    moto_server.admin_client("s3").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": moto_server.region})
    return name


def test_moto_sts_identifies_the_user_with_the_right_secret(moto_server, user_key):
    user_name, access_key_id, secret = user_key
    identity = moto_server.client("sts", access_key_id, secret).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{moto_server.account_id}:user/{user_name}"


def test_moto_sts_rejects_a_wrong_secret(moto_server, user_key):
    _, access_key_id, _ = user_key
    with pytest.raises(ClientError) as excinfo:
        moto_server.client("sts", access_key_id, "wrong-secret").get_caller_identity()
    assert client_error_code(excinfo) == "SignatureDoesNotMatch"


def test_moto_sts_rejects_an_unknown_key(moto_server):
    with pytest.raises(ClientError) as excinfo:
        moto_server.client("sts", "AKIAUNKNOWN000000000", "whatever").get_caller_identity()
    assert client_error_code(excinfo) == "InvalidClientTokenId"


def test_moto_s3_round_trip_with_the_right_secret(moto_server, user_key):
    _, access_key_id, secret = user_key
    s3 = moto_server.client("s3", access_key_id, secret)
    name = moto_server.unique_name("bucket")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": moto_server.region})
    s3.put_object(Bucket=name, Key="dir/a file.txt", Body=b"payload")
    assert s3.get_object(Bucket=name, Key="dir/a file.txt")["Body"].read() == b"payload"
    listed = s3.list_objects_v2(Bucket=name, Prefix="dir/")
    assert [item["Key"] for item in listed["Contents"]] == ["dir/a file.txt"]


def test_moto_s3_rejects_a_wrong_secret(moto_server, user_key, bucket):
    _, access_key_id, _ = user_key
    with pytest.raises(ClientError) as excinfo:
        moto_server.client("s3", access_key_id, "wrong-secret").list_objects_v2(Bucket=bucket)
    assert client_error_code(excinfo) == "SignatureDoesNotMatch"


def test_moto_s3_rejects_an_unknown_key(moto_server, bucket):
    with pytest.raises(ClientError) as excinfo:
        moto_server.client("s3", "AKIAUNKNOWN000000000", "whatever").list_objects_v2(Bucket=bucket)
    assert client_error_code(excinfo) == "InvalidAccessKeyId"


def test_moto_enforces_the_users_policy(moto_server, bucket):
    access_key_id, secret = moto_server.create_user_key(policy=DENY_ALL)
    with pytest.raises(ClientError) as excinfo:
        moto_server.client("s3", access_key_id, secret).list_objects_v2(Bucket=bucket)
    assert client_error_code(excinfo) == "AccessDenied"


def test_moto_accepts_assumed_role_credentials_only_with_their_token(moto_server):
    access_key_id, secret, token = moto_server.assume_role()
    identity = moto_server.client("sts", access_key_id, secret, token).get_caller_identity()
    assert ":assumed-role/" in identity["Arn"]
    with pytest.raises(ClientError):
        moto_server.client("sts", access_key_id, secret, "wrong-token").get_caller_identity()


# --- moto through the project's own signer ----------------------------------------------------

@pytest.fixture
def SigV4Auth():  # noqa: N802 - named after the class it hands out
    return pytest.importorskip("auth_types.sigv4").SigV4Auth


def test_sigv4auth_sts_post_is_accepted_with_the_right_secret(moto_server, user_key, SigV4Auth):
    user_name, access_key_id, secret = user_key
    auth = SigV4Auth(access_key_id, secret, "sts", moto_server.region)
    response = requests.post(f"{moto_server.url}/", data=STS_QUERY, auth=auth, timeout=5)
    assert response.status_code == 200, response.text
    assert f":user/{user_name}</Arn>" in response.text


def test_sigv4auth_sts_post_is_refused_with_a_wrong_secret(moto_server, user_key, SigV4Auth):
    _, access_key_id, _ = user_key
    auth = SigV4Auth(access_key_id, "wrong-secret", "sts", moto_server.region)
    response = requests.post(f"{moto_server.url}/", data=STS_QUERY, auth=auth, timeout=5)
    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "moto 5.2 quirk, not the signer: for a bodiless GET it hashes the url-encoded query as the "
    "payload (moto/iam/access_control.py, data=self._body or self._data), so even botocore's own "
    "signer gets 403 SignatureDoesNotMatch. AWS hashes the empty body. Drop the xfail once it passes."))
def test_sigv4auth_sts_get_query_is_accepted_with_the_right_secret(moto_server, user_key, SigV4Auth):
    _, access_key_id, secret = user_key
    auth = SigV4Auth(access_key_id, secret, "sts", moto_server.region)
    response = requests.get(f"{moto_server.url}/", params=STS_QUERY, auth=auth, timeout=5)
    assert response.status_code == 200, response.text


def test_sigv4auth_sts_get_query_is_refused_with_a_wrong_secret(moto_server, user_key, SigV4Auth):
    _, access_key_id, _ = user_key
    auth = SigV4Auth(access_key_id, "wrong-secret", "sts", moto_server.region)
    response = requests.get(f"{moto_server.url}/", params=STS_QUERY, auth=auth, timeout=5)
    assert response.status_code == 403
    assert error_code(response) == "SignatureDoesNotMatch"


def test_sigv4auth_sts_with_a_session_token(moto_server, SigV4Auth):
    access_key_id, secret, token = moto_server.assume_role()
    auth = SigV4Auth(access_key_id, secret, "sts", moto_server.region, session_token=token)
    response = requests.post(f"{moto_server.url}/", data=STS_QUERY, auth=auth, timeout=5)
    assert response.status_code == 200, response.text
    assert ":assumed-role/" in response.text


def test_sigv4auth_s3_put_get_and_list_with_the_right_secret(moto_server, user_key, bucket, SigV4Auth):
    _, access_key_id, secret = user_key
    auth = SigV4Auth(access_key_id, secret, "s3", moto_server.region)
    object_url = f"{moto_server.url}/{bucket}/dir/a%20file.txt"

    put = requests.put(object_url, data=b"payload", auth=auth, timeout=5)
    assert put.status_code == 200, put.text
    got = requests.get(object_url, auth=auth, timeout=5)
    assert (got.status_code, got.content) == (200, b"payload")
    listed = requests.get(f"{moto_server.url}/{bucket}", params={"list-type": "2", "prefix": "dir/"},
                          auth=auth, timeout=5)
    assert listed.status_code == 200, listed.text
    assert "<Key>dir/a file.txt</Key>" in listed.text


def test_sigv4auth_s3_is_refused_with_a_wrong_secret(moto_server, user_key, bucket, SigV4Auth):
    _, access_key_id, _ = user_key
    auth = SigV4Auth(access_key_id, "wrong-secret", "s3", moto_server.region)
    object_url = f"{moto_server.url}/{bucket}/refused.txt"

    put = requests.put(object_url, data=b"payload", auth=auth, timeout=5)
    assert (put.status_code, error_code(put)) == (403, "SignatureDoesNotMatch")
    got = requests.get(object_url, auth=auth, timeout=5)
    assert (got.status_code, error_code(got)) == (403, "SignatureDoesNotMatch")
