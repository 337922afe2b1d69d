"""The account-identity field on the builder's Security page (a builder.sections section): saved with
Security, each refusal beside the field with nothing saved, carried by documents, read by reconnect."""

import pytest
from django.urls import reverse

from builder.documents import DocumentInvalid, connector_document, import_document
from builder.models import Connector, ConnectorChange
from reconnect.identity import dig
from reconnect.models import IdentityField
from tests.builder.conftest import configure, field_error, security_data
from tests.builder.documents_helpers import document

pytestmark = pytest.mark.django_db

FIELD = "identity_field-path"
TEST_URL = "https://api.example.com/v1/me"


def post(client, connector, path, *, interval=None, **fields):
    data = security_data("bearer", **{"test_url": TEST_URL, **fields})
    if interval is not None:
        data["health_check_interval-minutes"] = interval
    if path is not None:
        data[FIELD] = path
    return client.post(reverse("builder:security", args=[connector.pk]), data)


@pytest.fixture
def connector(make_connector):
    connector = configure(make_connector("Accounts API"), "bearer")
    connector.test_url = TEST_URL
    connector.save()
    return connector


def test_the_identity_field_is_saved_with_security(builder_client, connector):
    response = post(builder_client, connector, "data.0.login", base_url="https://api.example.com/v2")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert IdentityField.objects.get(connector=connector).path == "data.0.login"
    assert Connector.objects.get(pk=connector.pk).base_url == "https://api.example.com/v2"
    assert "identity_field" in ConnectorChange.objects.filter(connector=connector).latest("at").fields
    # ...and it is the path the reconnect code reads the answer with.
    assert dig({"data": [{"login": "octocat"}]}, IdentityField.objects.get(connector=connector).path) == "octocat"
    html = builder_client.get(reverse("builder:security", args=[connector.pk])).content.decode()
    assert f'name="{FIELD}" value="data.0.login"' in html


def test_emptied_it_names_no_account_and_left_out_it_is_kept(builder_client, connector):
    IdentityField.objects.create(connector=connector, path="id")
    assert post(builder_client, connector, None).status_code == 302
    assert IdentityField.objects.get(connector=connector).path == "id"
    assert post(builder_client, connector, "").status_code == 302
    assert not IdentityField.objects.filter(connector=connector).exists()


@pytest.mark.parametrize("path, message", [
    ("$.user.email", "without the leading $"),
    ("data[0].login", "data.0.login, not data[0].login"),
    ("user..email", "a path of fields joined by dots"),
    ("user email", "a path of fields joined by dots"),
    ("user.", "a path of fields joined by dots"),
    ("a" * 201, "at most 200 characters"),
])
def test_a_path_reconnect_cannot_read_is_refused_beside_the_field(builder_client, connector, path, message):
    IdentityField.objects.create(connector=connector, path="id")
    response = post(builder_client, connector, path, base_url="https://api.example.com/v2")
    assert response.status_code == 400
    assert message in field_error(response, FIELD)
    assert IdentityField.objects.get(connector=connector).path == "id"
    assert Connector.objects.get(pk=connector.pk).base_url == ""


def test_the_identity_field_needs_a_test_request(builder_client, connector):
    response = post(builder_client, connector, "id", test_url="")
    assert response.status_code == 400 and "give a test request first" in field_error(response, FIELD)
    assert Connector.objects.get(pk=connector.pk).test_url == TEST_URL


def test_both_sections_refused_together_and_saved_together(builder_client, connector):
    from health.models import HealthPolicy

    response = post(builder_client, connector, "$.id", interval="2")
    assert response.status_code == 400
    assert field_error(response, FIELD) and field_error(response, "health_check_interval-minutes")
    assert not IdentityField.objects.exists() and not HealthPolicy.objects.exists()
    assert post(builder_client, connector, "user.id", interval="10").status_code == 302
    assert IdentityField.objects.get(connector=connector).path == "user.id"
    assert HealthPolicy.objects.get(connector=connector).interval_minutes == 10


def test_export_and_import_carry_the_identity_field(connector, builder_user):
    assert "identity_field" not in connector_document(connector)["connector"]
    IdentityField.objects.create(connector=connector, path="user.email")
    exported = connector_document(connector)
    assert exported["connector"]["identity_field"] == "user.email"
    copy = import_document(exported, user=builder_user)
    assert IdentityField.objects.get(connector=copy).path == "user.email"


@pytest.mark.parametrize("value, message", [
    (["user"], "Expected a string."),
    ("$.user", "without the leading $"),
    ("user[0]", "not data[0].login"),
])
def test_an_imported_identity_field_is_checked(builder_user, value, message):
    doc = document("bearer", test_request={"method": "GET", "url": TEST_URL}, identity_field=value)
    with pytest.raises(DocumentInvalid) as refused:
        import_document(doc, user=builder_user)
    assert message in dict(refused.value.problems)["$.connector.identity_field"]
    assert not IdentityField.objects.exists()


def test_an_imported_identity_field_needs_a_test_request(builder_user):
    with pytest.raises(DocumentInvalid) as refused:
        import_document(document("bearer", identity_field="id"), user=builder_user)
    assert "give a test request first" in dict(refused.value.problems)["$.connector.identity_field"]


@pytest.mark.parametrize("path, refused", [("$.id", "without the leading $"), ("user.id", None)])
def test_django_admin_refuses_what_the_page_refuses(client, make_user, connector, make_connector, path, refused):
    client.force_login(make_user("root", staff=True, superuser=True))
    response = client.post(reverse("admin:reconnect_identityfield_add"), {"connector": connector.pk, "path": path})
    if refused:
        assert response.status_code == 200 and refused in response.content.decode()
        assert not IdentityField.objects.exists()
    else:
        assert response.status_code == 302 and IdentityField.objects.get().path == "user.id"
    untested = make_connector("Untested")
    response = client.post(reverse("admin:reconnect_identityfield_add"), {"connector": untested.pk, "path": "id"})
    assert response.status_code == 200 and "give a test request first" in response.content.decode()
