"""An auth answering a 401 challenge through the outbound client: once, to the same origin, under its limits.

The server is a real one on 127.0.0.1 that challenges until it gets the answer it asked for;
the auth objects are made for the test, as any auth type's would be (Digest's is tested with
httpbin in tests/auth_types/test_digest.py).
"""

import time

import pytest
import requests
from requests.auth import AuthBase

from connectors_site import outbound
from connectors_site.outbound import OutboundTimeout, ResponseTooLarge
from tests.connectors_site.conftest import respond

CHALLENGE = ("WWW-Authenticate", 'Test nonce="n-1"')


class Answering(AuthBase):
    """Answer a challenge with its nonce echoed in a header; count the challenges it is shown."""

    def __init__(self, url=None, answer=True):
        self.url, self.answer, self.challenges, self.calls = url, answer, [], 0

    def __call__(self, request):
        self.calls += 1
        request.headers["X-Signed"] = str(self.calls)
        return request

    def handle_challenge(self, response):
        self.challenges.append(response.headers["WWW-Authenticate"])
        if not self.answer:
            return None
        sent = response.request
        headers = {**sent.headers, "Authorization": "Test n-1"}
        return requests.Request(sent.method, self.url or sent.url, headers=headers, data=sent.body)


def challenging(handler, body=b"welcome", delay=0):
    if handler.headers.get("Authorization") != "Test n-1":
        return respond(handler, 401, [CHALLENGE], b"who are you?")
    time.sleep(delay)
    return respond(handler, 200, [("Content-Type", "text/plain")], body)


def test_a_challenge_is_answered_once_and_the_answer_is_what_is_returned(peer):
    peer.route("/private", challenging)
    auth = Answering()
    response = outbound.send("POST", peer.url("/private"), data=b"payload", auth=auth)
    assert (response.status_code, response.content) == (200, b"welcome")
    assert [r.status_code for r in response.history] == [401] and auth.challenges == ['Test nonce="n-1"']
    first, second = peer.received
    assert "Authorization" not in first["headers"] and second["headers"]["Authorization"] == "Test n-1"
    assert first["body"] == second["body"] == b"payload"
    assert auth.calls == 1  # the answer is sent as the auth made it, not signed again


def test_a_second_challenge_is_not_answered(peer):
    peer.route("/never", lambda h: respond(h, 401, [CHALLENGE], b"no"))
    auth = Answering()
    response = outbound.send("GET", peer.url("/never"), auth=auth)
    assert response.status_code == 401 and len(peer.received) == 2 and len(auth.challenges) == 1


def test_an_auth_that_declines_or_cannot_answer_gets_the_401(peer):
    peer.route("/private", challenging)
    assert outbound.send("GET", peer.url("/private"), auth=Answering(answer=False)).status_code == 401
    assert outbound.send("GET", peer.url("/private"), auth=lambda r: r).status_code == 401
    assert len(peer.received) == 2


def test_an_answer_to_another_origin_is_not_sent(peer, peer_factory):
    other = peer_factory()
    peer.route("/private", challenging)
    response = outbound.send("GET", peer.url("/private"), auth=Answering(url=other.url("/private")))
    assert response.status_code == 401 and other.received == []


def test_the_answer_s_response_is_held_to_the_size_cap(peer):
    peer.route("/private", lambda h: challenging(h, body=b"x" * 2048))
    with pytest.raises(ResponseTooLarge):
        outbound.send("GET", peer.url("/private"), auth=Answering(), max_bytes=1024)


def test_the_answer_s_response_is_held_to_the_timeout(peer):
    peer.route("/private", lambda h: challenging(h, delay=1.5))
    with pytest.raises(OutboundTimeout):
        outbound.send("GET", peer.url("/private"), auth=Answering(), timeout=(2, 0.5))


def test_a_redirect_after_the_answer_is_followed_without_the_auth(peer):
    peer.route("/private", lambda h: respond(h, 302, [("Location", "/next")]) if h.headers.get(
        "Authorization") == "Test n-1" else respond(h, 401, [CHALLENGE]))
    auth = Answering()
    response = outbound.send("GET", peer.url("/private"), auth=auth)
    assert response.status_code == 200 and [r.status_code for r in response.history] == [401, 302]
    assert auth.calls == 1 and peer.received[-1]["headers"]["X-Signed"] == "1"  # as answered, not signed again
