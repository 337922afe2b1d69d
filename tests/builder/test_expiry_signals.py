"""Expiry signals in the builder: Security saves them, refuses half of a body match, export/import carry them."""

import pytest
from django.urls import reverse

from builder.documents import DocumentInvalid, connector_document, document_json, import_document
from builder.models import Connector

from tests.builder.conftest import configure, field_error, security_data
from tests.builder.documents_helpers import document

pytestmark = pytest.mark.django_db


def post(client, connector, **fields):
    return client.post(reverse("builder:security", args=[connector.pk]), security_data("oauth2", **fields))


def signal(connector):
    connector = Connector.objects.get(pk=connector.pk)
    return connector.expiry_statuses, connector.expiry_body_field, connector.expiry_body_value


def test_security_saves_the_expiry_signal(builder_client, make_connector):
    connector = make_connector()
    response = post(builder_client, connector, expiry_statuses="401,403", expiry_body_field="error.code",
                    expiry_body_value="190")
    assert response.status_code == 302
    assert signal(connector) == ("401,403", "error.code", "190")
    assert {"expiry_statuses", "expiry_body_field", "expiry_body_value"} <= set(connector.changes.get().fields)


def test_security_without_the_field_keeps_the_stored_signal(builder_client, make_connector):
    connector = make_connector(expiry_statuses="403")
    assert post(builder_client, connector).status_code == 302
    assert signal(connector) == ("403", "", "")


@pytest.mark.parametrize("fields, name, words", [
    ({"expiry_body_field": "error"}, "expiry_body_value", "Give the value"),
    ({"expiry_body_value": "token_expired"}, "expiry_body_field", "Name the JSON field"),
    ({"expiry_body_field": "error code", "expiry_body_value": "x"}, "expiry_body_field", "path of fields"),
    ({"expiry_statuses": ""}, "expiry_statuses", "Choose a status code"),
    ({"expiry_statuses": "500"}, "expiry_statuses", "Select a valid choice"),
])
def test_security_refuses_a_signal_that_cannot_work(builder_client, make_connector, fields, name, words):
    connector = configure(make_connector(), "oauth2")
    response = post(builder_client, connector, **fields)
    assert response.status_code == 400
    assert words in field_error(response, name)
    assert signal(connector) == ("401", "", "")


def test_export_and_import_carry_a_signal_other_than_the_default(make_connector, builder_user):
    connector = configure(make_connector(expiry_statuses="401,403", expiry_body_field="ok",
                                         expiry_body_value="false"), "oauth2")
    exported = connector_document(connector)
    assert exported["connector"]["expiry_signal"] == {"statuses": [401, 403],
                                                       "body": {"field": "ok", "value": "false"}}
    copy_ = import_document(document_json(exported), user=builder_user)
    assert signal(copy_) == ("401,403", "ok", "false")
    default = configure(make_connector("Plain"), "oauth2")
    assert "expiry_signal" not in connector_document(default)["connector"]


@pytest.mark.parametrize("given, path", [
    ({"statuses": [], "body": None}, "$.connector.expiry_signal.statuses"),
    ({"statuses": [500]}, "$.connector.expiry_signal.statuses[0]"),
    ({"body": {"field": "a b", "value": "x"}}, "$.connector.expiry_signal.body.field"),
])
def test_import_reports_a_bad_signal_at_its_path(given, path):
    with pytest.raises(DocumentInvalid) as caught:
        import_document(document("oauth2", expiry_signal=given), user=None)
    assert path in [where for where, _ in caught.value.problems]
