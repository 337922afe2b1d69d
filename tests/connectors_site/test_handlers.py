"""The WSGI application gunicorn serves: pages through every middleware, the API through its own few."""

import pytest
from django.conf import settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from werkzeug.test import Client

from api.models import PersonalAccessToken
from connections import services
from connectors_site import handlers
from tests.api.upstream import Upstream
from tests.connections.conftest import BASIC_CONFIG, ready_connector  # noqa: F401  (a fixture)
from tests.peers.servers import serve_wsgi

pytestmark = pytest.mark.django_db


@pytest.fixture
def app():
    """connectors_site.wsgi's application, made as that module makes it (on the tests' settings); a request's
    start and end must not close the test's database connection (on PostgreSQL it holds the test's transaction)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield Client(handlers.application(get_wsgi_application()))
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def test_the_api_keeps_the_security_middleware_in_the_pages_order_and_drops_the_browsers():
    kept = settings.API_MIDDLEWARE
    assert kept == [name for name in settings.MIDDLEWARE if name in kept]  # a part of it, in its order
    for needed in ("SecurityMiddleware", "ApiProblemsMiddleware", "RefuseNulCharactersMiddleware", "CSPMiddleware"):
        assert any(name.endswith(needed) for name in kept), needed
    for dropped in ("SessionMiddleware", "CsrfViewMiddleware", "AuthenticationMiddleware", "AxesMiddleware"):
        assert not any(name.endswith(dropped) for name in kept), dropped


def test_a_page_goes_through_every_middleware(app):
    response = app.get("/accounts/login/")
    assert response.status_code == 200
    assert "csrftoken=" in response.headers.get("Set-Cookie", "")  # CSRF: only the pages' middleware sets it
    assert response.headers["X-Frame-Options"] == "DENY" and "default-src 'self'" in response.headers[
        "Content-Security-Policy"]


def test_the_api_answers_through_its_own_middleware_with_the_security_headers(app, end_user):
    _, text = PersonalAccessToken.issue(user=end_user, name="t", scopes=["connections:read"], expires_at=None)
    response = app.get("/api/v1/connections", headers={"Authorization": f"Bearer {text}"})
    assert response.status_code == 200 and response.json["results"] == []
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
    # Refusals made outside the views are still problem details there.
    for address, status in (("/api/v1/connections?q=a%00b", 400), ("/api/v1/nothing-here", 404)):
        refused = app.get(address, headers={"Authorization": f"Bearer {text}"})
        assert refused.status_code == status and refused.headers["Content-Type"] == "application/problem+json"
    # A browser's session is not a way in: the API takes tokens only.
    assert app.get("/api/v1/connections").status_code == 401


@pytest.fixture
def upstream():
    base_url, stop = serve_wsgi(Upstream())
    yield base_url
    stop()


def test_a_proxied_call_goes_straight_to_the_proxys_view_through_the_apis_middleware(
        app, end_user, ready_connector, upstream, monkeypatch):
    connector = ready_connector("Upstream", "basic", BASIC_CONFIG, base_url=f"{upstream}/v1")
    connection = services.connection_create(connector=connector, owner=end_user, name="Up",
                                            secrets={"username": "maria", "password": "s3cret-pw"})
    _, text = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    seen = []
    monkeypatch.setattr("django.core.handlers.base.BaseHandler.resolve_request",
                        lambda handler, request: seen.append(request.path_info))  # would fail if it were called
    response = app.get(f"/api/v1/proxy/{connection.link_name}/items/7", headers={"Authorization": f"Bearer {text}"})
    assert response.status_code == 200 and response.json["path"] == "/v1/items/7" and seen == []
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    refused = app.get(f"/api/v1/proxy/{connection.link_name}/items", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.headers["Content-Type"] == "application/problem+json"
    assert refused.headers["X-Content-Type-Options"] == "nosniff" and seen == []
