"""The health-check interval on the builder's Security page (a builder.sections section): saved with
Security in one go, each refusal next to the field with nothing saved, and carried by connector documents."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from builder.documents import DocumentInvalid, connector_document, import_document
from builder.models import Connector, ConnectorChange
from health import services
from health.forms import MAX_MINUTES
from health.models import ConnectionHealth, HealthPolicy
from tests.builder.conftest import configure, field_error, security_data
from tests.builder.documents_helpers import document

pytestmark = pytest.mark.django_db

FIELD = "health_check_interval-minutes"
TEST_URL = "https://api.example.com/v1/me"


def security_url(connector):
    return reverse("builder:security", args=[connector.pk])


def post(client, connector, minutes, **fields):
    data = security_data("bearer", **{"test_url": TEST_URL, **fields})
    if minutes is not None:
        data[FIELD] = minutes
    return client.post(security_url(connector), data)


@pytest.fixture
def connector(make_connector):
    connector = configure(make_connector("Checked API"), "bearer")
    connector.test_url = TEST_URL
    connector.save()
    return connector


def test_the_security_page_shows_the_interval_beside_the_test_request(builder_client, connector):
    html = builder_client.get(security_url(connector)).content.decode()
    assert f'name="{FIELD}"' in html and 'placeholder="60"' in html
    assert html.index('name="test_url"') < html.index(f'name="{FIELD}"')
    HealthPolicy.objects.create(connector=connector, interval_minutes=15)
    assert f'name="{FIELD}" value="15"' in builder_client.get(security_url(connector)).content.decode()


def test_the_interval_is_saved_with_security_and_recorded_in_the_history(builder_client, connector):
    response = post(builder_client, connector, "30", base_url="https://api.example.com/v2")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert HealthPolicy.objects.get(connector=connector).interval_minutes == 30
    assert Connector.objects.get(pk=connector.pk).base_url == "https://api.example.com/v2"
    change = ConnectorChange.objects.filter(connector=connector, action="security").latest("at")
    assert "health_check_interval" in change.fields and "base_url" in change.fields
    assert services.interval_for(connector) == datetime.timedelta(minutes=30)


def test_off_and_back_to_the_default(builder_client, connector):
    assert post(builder_client, connector, "0").status_code == 302
    assert HealthPolicy.objects.get(connector=connector).interval_minutes == 0
    assert services.interval_for(connector) is None
    assert post(builder_client, connector, "").status_code == 302  # empty: the installation's default
    assert not HealthPolicy.objects.filter(connector=connector).exists()
    assert services.interval_for(connector) == datetime.timedelta(minutes=60)


def test_a_post_without_the_field_keeps_the_stored_interval(builder_client, connector):
    HealthPolicy.objects.create(connector=connector, interval_minutes=15)
    assert post(builder_client, connector, None).status_code == 302
    assert HealthPolicy.objects.get(connector=connector).interval_minutes == 15


@pytest.mark.parametrize("minutes, message", [
    ("3", "Use 0 to turn checks off, or from 5 to"),
    ("-1", "Use 0 to turn checks off, or from 5 to"),
    (str(MAX_MINUTES + 1), "Use 0 to turn checks off, or from 5 to"),
    ("hourly", "Enter a whole number."),
])
def test_a_refused_interval_is_shown_beside_the_field_and_nothing_is_saved(builder_client, connector, minutes,
                                                                          message):
    HealthPolicy.objects.create(connector=connector, interval_minutes=15)
    response = post(builder_client, connector, minutes, base_url="https://api.example.com/v2")
    assert response.status_code == 400
    assert message in field_error(response, FIELD)
    assert 'id="error-summary"' in response.content.decode()
    assert f'value="{minutes}"' in response.content.decode()  # what was typed is shown again
    assert HealthPolicy.objects.get(connector=connector).interval_minutes == 15
    assert Connector.objects.get(pk=connector.pk).base_url == ""  # the page's own values are not saved either


def test_without_a_test_request_off_is_the_only_choice(builder_client, connector):
    response = post(builder_client, connector, "60", test_url="")
    assert response.status_code == 400
    assert "no test request" in field_error(response, FIELD)
    assert Connector.objects.get(pk=connector.pk).test_url == TEST_URL  # nothing saved
    assert post(builder_client, connector, "0", test_url="").status_code == 302
    assert post(builder_client, connector, "", test_url="").status_code == 302


def test_a_new_interval_moves_the_scheduled_checks_into_it(builder_client, connector, end_user):
    from connections import services as connection_services

    connection = connection_services.connection_create(connector=connector, owner=end_user, name="Scheduled",
                                                       secrets={"token": "tok-123456"})
    far = timezone.now() + datetime.timedelta(days=3)
    ConnectionHealth.objects.create(connection=connection, next_check_at=far)
    assert post(builder_client, connector, "5").status_code == 302
    next_check = ConnectionHealth.objects.get(connection=connection).next_check_at
    assert next_check <= timezone.now() + datetime.timedelta(minutes=5)


# --- documents -----------------------------------------------------------------------------

def test_export_and_import_carry_the_interval(connector, builder_user):
    assert "health_check_interval" not in connector_document(connector)["connector"]  # the default is left out
    HealthPolicy.objects.create(connector=connector, interval_minutes=120)
    exported = connector_document(connector)
    assert exported["connector"]["health_check_interval"] == 120
    copy = import_document(exported, user=builder_user)
    assert copy.pk != connector.pk and HealthPolicy.objects.get(connector=copy).interval_minutes == 120
    assert "health_check_interval" in copy.changes.get().fields
    assert connector_document(copy)["connector"]["health_check_interval"] == 120


@pytest.mark.parametrize("value, message", [
    ("hourly", "Expected a whole number."),
    (-5, "Use a number of at least 0."),
    (MAX_MINUTES + 1, f"Use a number of at most {MAX_MINUTES}."),
    (3, "Use 0 to turn checks off, or from 5 to"),
])
def test_an_imported_interval_is_checked_with_the_rest(builder_user, value, message):
    doc = document("bearer", test_request={"method": "GET", "url": TEST_URL}, health_check_interval=value,
                   description="#not allowed")
    with pytest.raises(DocumentInvalid) as refused:
        import_document(doc, user=builder_user)
    problems = dict(refused.value.problems)
    assert message in problems["$.connector.health_check_interval"]
    assert "$.connector.description" in problems  # reported together with the other problems
    assert not Connector.objects.filter(name="Zylker CRM").exists()


def test_an_imported_interval_needs_a_test_request(builder_user):
    with pytest.raises(DocumentInvalid) as refused:
        import_document(document("bearer", health_check_interval=60), user=builder_user)
    assert "no test request" in dict(refused.value.problems)["$.connector.health_check_interval"]
    connector = import_document(document("bearer", health_check_interval=0), user=builder_user)
    assert HealthPolicy.objects.get(connector=connector).interval_minutes == 0


def test_a_catalog_file_states_the_interval_of_its_built_in(tmp_path):
    import json

    from builder.catalog import load_builtin_connectors
    from tests.builder.test_catalog_loader import entry

    def write(minutes):
        doc = entry("basic", {}, name="Checked Service", test_request={"method": "GET", "url": TEST_URL},
                    health_check_interval=minutes)
        (tmp_path / "checked.json").write_text(json.dumps(doc))

    write(120)
    assert str(load_builtin_connectors(tmp_path)) == "installed 1, updated 0, unchanged 0"
    builtin = Connector.objects.get(builtin_key="checked")
    assert HealthPolicy.objects.get(connector=builtin).interval_minutes == 120
    assert str(load_builtin_connectors(tmp_path)) == "installed 0, updated 0, unchanged 1"
    write(30)
    assert str(load_builtin_connectors(tmp_path)) == "installed 0, updated 1, unchanged 0"
    assert HealthPolicy.objects.get(connector=builtin).interval_minutes == 30
    assert builtin.changes.latest("pk").fields == ["health_check_interval"]
    assert Connector.objects.get(pk=builtin.pk).builtin_key == "checked"  # still the catalog's own


@pytest.mark.parametrize("minutes, refused", [("3", "Use 0 to turn checks off"), ("30", None)])
def test_django_admin_refuses_what_the_page_refuses(client, make_user, connector, make_connector, minutes, refused):
    client.force_login(make_user("root", staff=True, superuser=True))
    response = client.post(reverse("admin:health_healthpolicy_add"),
                           {"connector": connector.pk, "interval_minutes": minutes})
    if refused:
        assert response.status_code == 200 and refused in response.content.decode()
        assert not HealthPolicy.objects.exists()
    else:
        assert response.status_code == 302 and HealthPolicy.objects.get().interval_minutes == 30
    untested = make_connector("Untested")
    response = client.post(reverse("admin:health_healthpolicy_add"),
                           {"connector": untested.pk, "interval_minutes": "60"})
    assert response.status_code == 200 and "no test request" in response.content.decode()
