"""The API against its own OpenAPI schema (schemathesis): every operation, generated inputs.

Whatever the input, no answer is a 5xx, and every answer conforms to the schema: a documented
status, its documented content type (problem+json for errors) and body schema. The token holds
every scope and its user builds connectors, so the operations themselves are reached.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import PersonalAccessToken
from api.scopes import Scope
from connectors_site import handlers

# The app's WSGI application as gunicorn serves it: the API's addresses through their own middleware.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", handlers.application(get_wsgi_application()))

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_the_test_transaction():
    """As Django's test client does: the start and end of a request must not close the test's database connection
    (schemathesis calls the WSGI application itself; on PostgreSQL that would end the test transaction)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token_header(make_user, settings, keep_the_test_transaction):
    settings.CONNECTORS_API_RATE_LIMIT = "0/0"
    _, text = PersonalAccessToken.issue(user=make_user("machine", builder=True), name="schemathesis",
                                        scopes=Scope.values, expires_at=None)
    return {"Authorization": f"Bearer {text}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_schema(case, token_header):
    case.call_and_validate(headers=token_header, checks=CHECKS)
