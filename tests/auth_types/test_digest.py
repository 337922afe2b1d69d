"""HTTP Digest (RFC 7616): the RFC's own examples, challenges parsed as servers send them, and httpbin."""

import hashlib

import pytest
import requests

from auth_types import registry
from auth_types.digest import DigestAuth, authorization, parse_challenges, supported
from connectors_site import outbound

OPAQUE = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
NONCE = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


def challenge(algorithm):
    return (f'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, '
            f'nonce="{NONCE}", opaque="{OPAQUE}"')


def fields(header):
    [(scheme, params)] = parse_challenges(header)  # an Authorization reads like a challenge
    assert scheme == "digest"
    return params


@pytest.mark.parametrize("algorithm, response", [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
])
def test_rfc_7616_section_3_9_1(algorithm, response):
    [(_, params)] = parse_challenges(challenge(algorithm))
    header = authorization(params, "Mufasa", "Circle of Life", method="GET", uri="/dir/index.html", cnonce=CNONCE)
    assert fields(header) == {"username": "Mufasa", "realm": "http-auth@example.org", "uri": "/dir/index.html",
                              "algorithm": algorithm, "nonce": NONCE, "nc": "00000001", "cnonce": CNONCE,
                              "qop": "auth", "response": response, "opaque": OPAQUE}


def test_rfc_7616_section_3_9_2_userhash_and_sha_512_256():
    # The RFC prints username 488869477b… and response ae66e67d6b… here, which no implementation that
    # follows its own formulas reproduces (3.4.4: username = H(username ":" realm)); the response below
    # is the one an independent implementation computes for the same inputs.
    [(_, params)] = parse_challenges(
        'Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, '
        'nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", '
        'opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true')
    header = fields(authorization(params, "Jäsøn Doe", "Secret, or not?", method="GET", uri="/doe.json",
                                  cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v"))
    assert header["username"] == hashlib.new("sha512_256", "Jäsøn Doe:api@example.org".encode()).hexdigest()
    assert header["response"] == "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"
    assert header["userhash"] == "true"


def test_a_name_a_quoted_string_cannot_hold_goes_as_username_star():
    [(_, params)] = parse_challenges(challenge("SHA-256"))
    header = authorization(params, "Jäsøn Doe", "x", method="GET", uri="/", cnonce=CNONCE)
    assert "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe," in header
    quoted = fields(authorization(params, 'a "quoted" \\ name', "x", method="GET", uri="/", cnonce=CNONCE))
    assert quoted["username"] == 'a "quoted" \\ name'


def test_several_challenges_in_one_value_and_the_first_supported_is_answered():
    header = f'Basic realm="x", {challenge("SHA-999")}, {challenge("SHA-256")}, {challenge("MD5")}'
    parsed = parse_challenges(header)
    assert [scheme for scheme, _ in parsed] == ["basic", "digest", "digest", "digest"]
    assert [params["qop"] for _, params in parsed[1:]] == ["auth, auth-int"] * 3
    assert [supported(params) for _, params in parsed[1:]] == [False, True, True]


@pytest.mark.parametrize("extra, ok", [("", True), (', qop="auth-int"', True), (', qop="auth-conf"', False)])
def test_quality_of_protection(extra, ok):
    [(_, params)] = parse_challenges(f'Digest realm="r", nonce="n"{extra}')
    assert supported(params) is ok


def test_auth_int_hashes_the_body_and_no_qop_is_rfc_2069():
    [(_, with_int)] = parse_challenges('Digest realm="r", nonce="n", qop="auth-int"')
    one = authorization(with_int, "u", "p", method="POST", uri="/", body=b"a", cnonce="c")
    two = authorization(with_int, "u", "p", method="POST", uri="/", body=b"b", cnonce="c")
    assert fields(one)["response"] != fields(two)["response"] and fields(one)["qop"] == "auth-int"
    [(_, legacy)] = parse_challenges('Digest realm="r", nonce="n"')
    assert {"qop", "nc", "cnonce"}.isdisjoint(fields(authorization(legacy, "u", "p", method="GET", uri="/")))


# --- against httpbin, through the outbound client ----------------------------------------------

# httpbin checks the answer against its decoded path, not the request-target as sent (RFC 7616's
# digest-uri): the password, which is in its path, is one that needs no percent-encoding.
@pytest.mark.parametrize("qop", ["auth", "auth-int", "none"])
@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_httpbin_accepts_the_answer(httpbin_url, qop, algorithm):
    auth = registry.get("digest").auth({}, {"username": "maria", "password": "s3cret-pw"})
    url = f"{httpbin_url}/digest-auth/{qop}/maria/s3cret-pw/{algorithm}"  # (httpbin fails on a query here)
    response = outbound.send("GET", url, auth=auth)
    assert response.status_code == 200, response.text
    assert response.json() == {"authenticated": True, "user": "maria"}
    assert [earlier.status_code for earlier in response.history] == [401]
    assert "Authorization" not in response.history[0].request.headers  # nothing before the challenge
    answer = fields(response.request.headers["Authorization"])
    assert not [name for name, value in answer.items() if "s3cret" in value and name != "uri"]  # (httpbin's path)


def test_httpbin_refuses_a_wrong_password_after_one_answer(httpbin_url):
    auth = DigestAuth("maria", "wrong")
    response = outbound.send("GET", f"{httpbin_url}/digest-auth/auth/maria/right/SHA-256", auth=auth)
    assert response.status_code == 401 and len(response.history) == 1


def test_a_server_that_does_not_challenge_gets_no_credentials(httpbin_url):
    response = outbound.send("GET", f"{httpbin_url}/headers", auth=DigestAuth("maria", "pw"))
    assert response.status_code == 200 and "Authorization" not in response.json()["headers"]


def test_the_auth_shows_no_secret():
    assert "pw-canary" not in repr(DigestAuth("maria", "pw-canary"))
    assert isinstance(DigestAuth("a", "b").handle_challenge(_unchallenged()), type(None))


def _unchallenged():
    response = requests.Response()
    response.status_code, response.request = 401, requests.Request("GET", "https://api.example.com/").prepare()
    return response
