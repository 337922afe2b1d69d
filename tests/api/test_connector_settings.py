"""/api/v1/connectors: a connector's `settings` (builder.sections: the health-check interval, the
account identity field), read and changed through the same forms as the Security page."""

import pytest

from builder.models import ConnectorChange
from health.models import HealthPolicy
from reconnect.models import IdentityField
from tests.examples import example

pytestmark = pytest.mark.django_db

TEST_URL = "https://api.example.com/v1/me"


@pytest.fixture
def api(api_as, builder_user):
    return api_as(builder_user)


@pytest.fixture
def connector(make_connector):
    return make_connector("Settings API", auth_type="bearer", config={}, test_url=TEST_URL)


def test_settings_are_read_with_the_connector(api, connector):
    assert api.get(f"connectors/{connector.pk}").json()["settings"] == {
        "health_check_interval": None, "identity_field": None}
    HealthPolicy.objects.create(connector=connector, interval_minutes=15)
    IdentityField.objects.create(connector=connector, path="user.id")
    assert api.get(f"connectors/{connector.pk}").json()["settings"] == {
        "health_check_interval": 15, "identity_field": "user.id"}
    listed = {item["id"]: item for item in api.get("connectors").json()["results"]}
    assert listed[connector.pk]["settings"]["identity_field"] == "user.id"


def test_settings_are_changed_with_general_and_recorded(api, connector):
    response = api.patch(f"connectors/{connector.pk}", {"description": "Now with checks",
                                                         "settings": {"health_check_interval": 30,
                                                                      "identity_field": "data.0.login"}})
    assert response.status_code == 200, response.content
    assert response.json()["settings"] == {"health_check_interval": 30, "identity_field": "data.0.login"}
    assert response.json()["description"] == "Now with checks"
    assert HealthPolicy.objects.get(connector=connector).interval_minutes == 30
    assert ConnectorChange.objects.filter(connector=connector, action="security").latest("at").fields == [
        "health_check_interval", "identity_field"]
    # One left out keeps its value; null sets it back to its default.
    again = api.patch(f"connectors/{connector.pk}", {"settings": {"health_check_interval": None}})
    assert again.json()["settings"] == {"health_check_interval": None, "identity_field": "data.0.login"}


@pytest.mark.parametrize("settings, pointer, message", [
    ({"health_check_interval": 2}, "/settings/health_check_interval", "Use 0 to turn checks off"),
    ({"health_check_interval": "often"}, "/settings/health_check_interval", "Enter a whole number."),
    ({"identity_field": "$.user.id"}, "/settings/identity_field", "without the leading $"),
    ({"identity_field": "data[0].id"}, "/settings/identity_field", "not data[0].login"),
    ({"colour": "blue"}, "/settings/colour", "Unknown setting"),
])
def test_a_refused_setting_points_at_it_and_nothing_is_saved(api, connector, settings, pointer, message):
    HealthPolicy.objects.create(connector=connector, interval_minutes=15)
    response = api.patch(f"connectors/{connector.pk}", {"description": "Not kept", "settings": settings})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["pointer"] for error in errors] == [pointer] and message in errors[0]["detail"]
    connector.refresh_from_db()
    assert connector.description == "" and HealthPolicy.objects.get(connector=connector).interval_minutes == 15
    assert not IdentityField.objects.exists()


def test_without_a_test_request_checks_stay_off(api, make_connector):
    connector = make_connector("No test", auth_type="bearer", config={})
    response = api.patch(f"connectors/{connector.pk}", {"settings": {"health_check_interval": 60,
                                                                     "identity_field": "id"}})
    assert response.status_code == 400
    assert {error["pointer"] for error in response.json()["errors"]} == {
        "/settings/health_check_interval", "/settings/identity_field"}
    assert api.patch(f"connectors/{connector.pk}", {"settings": {"health_check_interval": 0}}).status_code == 200


def test_export_and_import_through_the_api_carry_the_settings(api, connector):
    api.patch(f"connectors/{connector.pk}", {"settings": {"health_check_interval": 45, "identity_field": "id"}})
    document = api.get(f"connectors/{connector.pk}/export").json()
    assert (document["connector"]["health_check_interval"], document["connector"]["identity_field"]) == (45, "id")
    imported = api.post("connectors/import", {"document": document})
    assert imported.status_code == 201, imported.content
    assert imported.json()["settings"] == {"health_check_interval": 45, "identity_field": "id"}
    document["connector"]["identity_field"] = "a..b"
    refused = api.post("connectors/import", {"document": document})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "/document/connector/identity_field"


def test_settings_are_changed_with_security_checked_against_its_new_test_request(api, make_connector):
    connector = make_connector("No test yet", auth_type="bearer", config={})
    config = example("bearer").config
    body = {"auth_type": "bearer", "config": config, "test_url": TEST_URL,
            "settings": {"health_check_interval": 20, "identity_field": "login"}}
    response = api.put(f"connectors/{connector.pk}/security", body)
    assert response.status_code == 200, response.content
    assert response.json()["settings"] == {"health_check_interval": 20, "identity_field": "login"}
    assert response.json()["test_url"] == TEST_URL
    assert HealthPolicy.objects.get(connector=connector).interval_minutes == 20
    # Left out: kept, as with PATCH.
    again = api.put(f"connectors/{connector.pk}/security", {"auth_type": "bearer", "config": config})
    assert again.json()["settings"] == {"health_check_interval": 20, "identity_field": "login"}


def test_a_refused_setting_with_security_saves_neither(api, make_connector):
    connector = make_connector("Refused", auth_type="bearer", config={})
    response = api.put(f"connectors/{connector.pk}/security",
                       {"auth_type": "bearer", "config": example("bearer").config, "test_url": TEST_URL,
                        "settings": {"health_check_interval": 2, "colour": "blue"}})
    assert response.status_code == 400
    assert {error["pointer"] for error in response.json()["errors"]} == {
        "/settings/health_check_interval", "/settings/colour"}
    connector.refresh_from_db()
    assert connector.test_url == "" and not HealthPolicy.objects.exists()
