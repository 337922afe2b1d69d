"""The outbound client against real servers on 127.0.0.1: the size cap, timeouts, failures, safe messages."""

import gzip
import time
import traceback

import pytest

from connectors_site import outbound
from connectors_site.outbound import BlockedDestination, OutboundConnectionError, OutboundTimeout, ResponseTooLarge
from tests.connectors_site.conftest import assert_untouched, respond

MiB = 1024 * 1024


# --- response size -----------------------------------------------------------------------

def stream(handler, headers, chunks, chunked=False):
    """Write a status line and headers, then the chunks (chunk-encoded if asked), until the client hangs up."""
    handler.send_response(200)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Connection", "close")
    handler.end_headers()
    for chunk in chunks:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
    if chunked:
        handler.wfile.write(b"0\r\n\r\n")


ELEVEN_MIB = [b"x" * MiB] * 11


def test_a_declared_eleven_mib_body_is_refused(peer):
    peer.route("/big", lambda h: stream(h, [("Content-Length", str(11 * MiB))], ELEVEN_MIB))
    with pytest.raises(ResponseTooLarge, match="10 MiB"):
        outbound.send("GET", peer.url("/big"))


def test_an_undeclared_body_is_cut_at_the_cap(peer):
    peer.route("/big", lambda h: stream(h, [], ELEVEN_MIB))  # no length: the body ends when the server closes
    with pytest.raises(ResponseTooLarge):
        outbound.send("GET", peer.url("/big"))


def test_a_chunked_body_is_cut_at_the_cap(peer):
    peer.route("/big", lambda h: stream(h, [("Transfer-Encoding", "chunked")], ELEVEN_MIB, chunked=True))
    with pytest.raises(ResponseTooLarge):
        outbound.send("GET", peer.url("/big"))


def test_a_lying_content_length_cannot_push_more_than_it_declares(peer):
    peer.route("/lie", lambda h: stream(h, [("Content-Length", "1000")], ELEVEN_MIB))
    assert len(outbound.send("GET", peer.url("/lie")).content) == 1000


def test_a_gzip_bomb_is_cut_at_the_cap_after_decoding(peer):
    bomb = gzip.compress(b"\0" * 11 * MiB)
    peer.route("/bomb", lambda h: respond(h, 200, [("Content-Encoding", "gzip")], bomb))
    with pytest.raises(ResponseTooLarge):
        outbound.send("GET", peer.url("/bomb"))


@pytest.mark.parametrize("size, fits", [(1000, True), (1001, False)])
def test_the_cap_is_inclusive(size, fits, peer):
    peer.route("/sized", lambda h: stream(h, [], [b"y" * size]))
    if fits:
        assert len(outbound.send("GET", peer.url("/sized"), max_bytes=1000).content) == size
    else:
        with pytest.raises(ResponseTooLarge, match="1000 bytes"):
            outbound.send("GET", peer.url("/sized"), max_bytes=1000)


def test_head_is_not_refused_for_the_size_it_declares(peer):
    peer.route("/file", lambda h: stream(h, [("Content-Length", str(50 * MiB))], []))
    response = outbound.send("HEAD", peer.url("/file"))
    assert response.status_code == 200 and response.content == b""


# --- timeouts and connection failures ----------------------------------------------------

def test_a_server_that_never_answers_times_out_quickly(silent_server):
    started = time.monotonic()
    with pytest.raises(OutboundTimeout):
        outbound.send("GET", f"http://127.0.0.1:{silent_server}/", timeout=(1, 0.5))
    assert time.monotonic() - started < 3


def test_a_body_trickling_in_is_bounded_by_the_read_timeout(peer):
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        for _ in range(100):
            handler.wfile.write(b"z")
            handler.wfile.flush()
            time.sleep(0.1)

    peer.route("/slow", trickle)
    started = time.monotonic()
    with pytest.raises(OutboundTimeout):
        outbound.send("GET", peer.url("/slow"), timeout=(1, 0.5))
    assert time.monotonic() - started < 3


def test_a_closed_port_is_a_connection_error(silent_server, peer_factory):
    closed = peer_factory()
    port = closed.port
    closed.shutdown()
    closed.server_close()
    with pytest.raises(OutboundConnectionError):
        outbound.send("GET", f"http://127.0.0.1:{port}/")


def test_an_unresolvable_name_is_a_connection_error(fake_resolver):
    fake_resolver("nowhere.example.test", [])
    with pytest.raises(OutboundConnectionError, match="resolved"):
        outbound.send("GET", "http://nowhere.example.test/")


# --- messages safe to show --------------------------------------------------------------

def shown(exc):
    """Return what a user or a logged traceback could see of exc: its message and those of its chain."""
    seen = []
    while exc is not None:
        seen.append("".join(traceback.format_exception_only(exc)))
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "".join(seen)


@pytest.mark.parametrize("make_url, error", [
    (lambda peer, silent: "http://user:pw-canary@10.0.0.1/x?api_key=query-canary", BlockedDestination),
    (lambda peer, silent: f"http://127.0.0.1:{silent}/x?api_key=query-canary", OutboundTimeout),
    (lambda peer, silent: peer.url("/big?api_key=query-canary"), ResponseTooLarge),
    (lambda peer, silent: "http://127.0.0.1:1/pw-canary?api_key=query-canary", OutboundConnectionError),
])
def test_messages_hold_no_query_string_path_or_user_info(make_url, error, peer, silent_server):
    peer.route("/big", lambda h: stream(h, [("Content-Length", str(11 * MiB))], []))
    with pytest.raises(error) as caught:
        outbound.send("GET", make_url(peer, silent_server), params={"token": "param-canary"}, timeout=(1, 0.5))
    assert "canary" not in shown(caught.value)
    assert "127.0.0.1" in str(caught.value) or "10.0.0.1" in str(caught.value)


def test_params_json_and_the_response_are_as_requests_would_make_them(peer):
    peer.route("/echo", lambda h: respond(h, 201, [("Content-Type", "application/json")], b'{"id": 7}'))
    response = outbound.send("POST", peer.url("/echo"), params={"q": "a b"}, json={"name": "x"},
                             headers={"Accept": "application/json"})
    assert response.status_code == 201 and response.json() == {"id": 7} and response.history == []
    received = peer.received[0]
    assert received["path"] == "/echo?q=a+b" and received["body"] == b'{"name": "x"}'
    assert received["headers"]["Accept"] == "application/json"
    assert b"".join(response.iter_content(2)) == b'{"id": 7}'


@pytest.mark.parametrize("timeout", [None, (None, 5), (5, None), 0, (5,)])
def test_a_missing_timeout_is_refused_before_connecting(timeout, peer, connect_spy):
    with pytest.raises(ValueError):
        outbound.send("GET", peer.url(), timeout=timeout)
    assert_untouched(peer, connect_spy)


@pytest.mark.parametrize("status", [429, 503])
def test_an_answer_with_retry_after_is_returned_as_it_is_and_never_resent(status, peer):
    # The pooled client resends only a request whose kept-alive connection was dropped; a 429 or 503
    # with Retry-After is the caller's to act on (the API's proxy does, when asked).
    peer.route("/limited", lambda h: respond(h, status, [("Retry-After", "0")], b"slow down"))
    response = outbound.send("GET", peer.url("/limited"))
    assert (response.status_code, response.headers["Retry-After"], response.content) == (status, "0", b"slow down")
    assert [request["path"] for request in peer.received] == ["/limited"]
