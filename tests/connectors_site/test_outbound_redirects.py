"""The outbound client's redirects against real servers on 127.0.0.1: credentials per origin, methods, limits."""

import pytest
import requests

from connectors_site import outbound
from connectors_site.outbound import OutboundError
from tests.connectors_site.conftest import respond


# --- credentials on redirects ------------------------------------------------------------

class HeaderAndQueryAuth(requests.auth.AuthBase):
    """An auth that adds a header and a query parameter, as API-key auth does."""

    def __call__(self, request):
        request.headers["X-Api-Key"] = "key-canary"
        request.prepare_url(request.url, {"api_key": "query-canary"})
        return request


CREDENTIAL_HEADERS = {"Authorization": "Bearer token-canary", "Cookie": "session=cookie-canary",
                      "Proxy-Authorization": "Basic proxy-canary", "X-Trace": "kept"}


def test_credentials_are_dropped_when_a_redirect_leaves_the_host(peer_factory):
    first, second = peer_factory(), peer_factory()
    first.route("/start", lambda h: respond(h, 302, [("Location", second.url("/landing")),
                                                     ("Set-Cookie", "sid=set-by-first; Path=/")]))
    response = outbound.send("GET", first.url("/start"), headers=CREDENTIAL_HEADERS, auth=HeaderAndQueryAuth())
    assert response.status_code == 200 and len(response.history) == 1
    assert first.received[0]["headers"]["X-Api-Key"] == "key-canary"
    landed = second.received[0]
    assert landed["path"] == "/landing"
    assert "canary" not in repr(landed) and "set-by-first" not in repr(landed)
    assert landed["headers"]["X-Trace"] == "kept"


def test_credentials_are_kept_and_auth_applied_again_on_the_same_host(peer):
    peer.redirect("/start", 307, "/next")
    outbound.send("GET", peer.url("/start"), headers=CREDENTIAL_HEADERS, auth=HeaderAndQueryAuth())
    landed = peer.received[1]
    assert landed["path"] == "/next?api_key=query-canary"
    assert landed["headers"]["Authorization"] == "Bearer token-canary"
    assert landed["headers"]["Cookie"] == "session=cookie-canary"
    assert landed["headers"]["X-Api-Key"] == "key-canary"


def test_a_cookie_set_on_the_way_is_sent_on_the_next_hop_of_the_same_host(peer):
    peer.route("/start", lambda h: respond(h, 302, [("Location", "/next"),
                                                    ("Set-Cookie", "hop=set-on-the-way; Path=/")]))
    outbound.send("GET", peer.url("/start"))
    assert peer.received[1]["headers"]["Cookie"] == "hop=set-on-the-way"
    outbound.send("GET", peer.url("/next"))  # the next call starts without it
    assert "Cookie" not in peer.received[2]["headers"]


def test_credentials_stay_dropped_when_the_chain_comes_back(peer_factory):
    first, second = peer_factory(), peer_factory()
    first.redirect("/start", 302, second.url("/bounce"))
    second.redirect("/bounce", 302, first.url("/back"))
    outbound.send("GET", first.url("/start"), headers=CREDENTIAL_HEADERS, auth=HeaderAndQueryAuth())
    back = first.received[1]
    assert back["path"] == "/back" and "canary" not in repr(back)


def test_a_port_change_is_a_host_change(peer_factory):
    first, second = peer_factory(), peer_factory()
    first.redirect("/start", 308, second.url("/landing", host="localhost"))
    outbound.send("POST", first.url("/start"), json={"a": 1}, auth=("user", "password-canary"))
    assert "Authorization" in first.received[0]["headers"]
    assert "Authorization" not in second.received[0]["headers"]
    assert second.received[0]["body"] == b'{"a": 1}'


# --- redirect methods --------------------------------------------------------------------

@pytest.mark.parametrize("status, method, expected_method, body_kept", [
    (307, "POST", "POST", True), (308, "PUT", "PUT", True), (303, "POST", "GET", False),
    (302, "POST", "GET", False), (301, "POST", "GET", False), (301, "PUT", "PUT", False),
])
def test_redirect_method_and_body_follow_requests_rules(status, method, expected_method, body_kept, peer):
    peer.redirect("/start", status, "/next")
    outbound.send(method, peer.url("/start"), data={"field": "value"})
    landed = peer.received[1]
    assert landed["method"] == expected_method
    assert (landed["body"] == b"field=value") is body_kept
    assert ("Content-Type" in landed["headers"]) is body_kept


def test_without_allow_redirects_a_3xx_is_returned_as_is(peer_factory):
    first, second = peer_factory(), peer_factory()
    first.redirect("/token", 302, second.url("/callback?code=abc"))
    response = outbound.send("POST", first.url("/token"), data={"grant_type": "x"}, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == second.url("/callback?code=abc")
    assert second.received == []


def test_too_many_redirects_is_an_error(peer):
    peer.redirect("/loop", 302, "/loop")
    with pytest.raises(OutboundError, match="more than 3"):
        outbound.send("GET", peer.url("/loop"), max_redirects=3)
    assert len(peer.received) == 4


def test_a_header_given_as_none_leaves_out_the_sessions_default_and_the_others_stay(peer):
    """The hop's headers go over the session's defaults as requests merges them: None removes a default."""
    outbound.send("GET", peer.url("/plain"), headers={"Accept": None, "X-Trace": "kept"})
    arrived = {name.lower(): value for name, value in peer.received[0]["headers"].items()}
    assert "accept" not in arrived and arrived["x-trace"] == "kept"
    assert arrived["user-agent"].startswith("python-requests/") and "gzip" in arrived["accept-encoding"]
