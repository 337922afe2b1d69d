"""The logo operations against the schema with generated inputs, on a connector that exists (the general
run mostly meets 404s): whatever multipart body arrives, no 5xx, and every answer conforms."""

import pytest
from hypothesis import HealthCheck, settings

from tests.api.test_schemathesis import CHECKS, keep_the_test_transaction, schema, token_header  # noqa: F401


@pytest.fixture
def connector(make_connector):
    return make_connector("Fuzzed logo")


@pytest.mark.django_db
@schema.include(path_regex=r"/connectors/\{pk\}/logo$").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_logo_operations_conform_on_a_real_connector(case, token_header, connector):
    case.path_parameters = {**(case.path_parameters or {}), "pk": connector.pk}
    case.call_and_validate(headers=token_header, checks=CHECKS)
