import json

import pytest
from django.test import Client
from django.test.client import ClientHandler

from api.models import PersonalAccessToken
from connectors_site.handlers import DirectRoutes, with_api_middleware
from tests.connections.conftest import ready_connector  # noqa: F401  (the connections tests' fixture)
from api.scopes import Scope

ALL_SCOPES = tuple(Scope.values)


class ApiClientHandler(DirectRoutes, ClientHandler):
    """The test client's handler as the API's is in the running app: its direct routes (the proxy's)."""


def api_test_client():
    """Django's test client with the API's middleware (settings.API_MIDDLEWARE) and direct routes, as the API's
    addresses have in the running app (connectors_site/handlers.py)."""
    client = Client()
    client.handler = with_api_middleware(lambda: ApiClientHandler(enforce_csrf_checks=False))
    return client


class ApiClient:
    """Django's test client speaking JSON to /api/v1/ with a token, through the API's middleware."""

    def __init__(self, token_text):
        self.client = api_test_client()
        self.headers = {"Authorization": f"Bearer {token_text}"} if token_text else {}

    def _call(self, method, path, body=None, **kwargs):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return getattr(self.client, method)(url, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self._call("get", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self._call("post", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self._call("patch", path, body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self._call("put", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self._call("delete", path, **kwargs)


@pytest.fixture
def issue_token():
    def issue(user, scopes=ALL_SCOPES, **fields):
        fields.setdefault("expires_at", None)
        return PersonalAccessToken.issue(user=user, name=fields.pop("name", "test"), scopes=list(scopes), **fields)[1]

    return issue


@pytest.fixture
def api_as(issue_token):
    """api_as(user, scopes=...) -> an ApiClient with a new token of that user."""

    def make(user, scopes=ALL_SCOPES, **fields):
        return ApiClient(issue_token(user, scopes, **fields))

    return make
