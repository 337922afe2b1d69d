"""/api/v1/connectors, for builders: the wizard's rules and messages, secrets write-only."""

import pytest

from builder.models import Connector, ConnectorChange, Stage
from connections.models import Connection
from tests.examples import example, keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as, builder_user):
    return api_as(builder_user)


def test_create_is_a_draft_and_refusals_point_at_the_field(api):
    response = api.post("connectors", {"name": "Zylker CRM", "description": "CRM"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "draft" and body["link_name"] == "zylker_crm" and body["ready_problems"]
    refused = api.post("connectors", {"name": "#bad", "description": "x" * 300})
    assert refused.status_code == 400
    assert {error["pointer"] for error in refused.json()["errors"]} == {"/name", "/description"}


def test_general_changes_and_a_taken_link_name_is_refused(api, make_connector):
    make_connector("Taken")
    connector = make_connector("Mine")
    response = api.patch(f"connectors/{connector.pk}", {"description": "New words"})
    assert response.status_code == 200 and response.json()["description"] == "New words"
    assert response.json()["name"] == "Mine"
    refused = api.patch(f"connectors/{connector.pk}", {"link_name": "taken"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["pointer"] == "/link_name"
    assert ConnectorChange.objects.filter(connector=connector, action="general").count() == 1


@pytest.mark.parametrize("key", keys())
def test_security_of_every_type_is_saved_with_secrets_write_only(api, make_connector, key):
    sample = example(key)
    connector = make_connector(f"Sec {key}")
    body = {"auth_type": key, "config": sample.config, "secrets": sample.client,
            "test_url": "https://api.example.com/v1/me"}
    response = api.put(f"connectors/{connector.pk}/security", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["auth_type"] == key and answer["secrets_set"] == sorted(sample.client)
    assert answer["base_url"] == "https://api.example.com"
    for secret in sample.client.values():
        assert secret not in response.content.decode()
    connector.refresh_from_db()
    assert connector.secrets == sample.client
    # Sent again without its secrets: the stored ones are kept.
    again = api.put(f"connectors/{connector.pk}/security", {"auth_type": key, "config": sample.config})
    assert again.status_code == 200, again.content
    connector.refresh_from_db()
    assert connector.secrets == sample.client


def test_security_refusals_point_at_config_and_settings(api, make_connector):
    connector = make_connector("Sec")
    response = api.put(f"connectors/{connector.pk}/security",
                       {"auth_type": "oauth2", "config": {"grant_type": "authorization_code",
                                                          "token_url": "ftp://x"},
                        "test_url": "has space"})
    assert response.status_code == 400
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert {"/config/token_url", "/test_url"} <= pointers, pointers
    assert api.put(f"connectors/{connector.pk}/security", {"auth_type": "nope"}).json()["errors"][0]["pointer"] \
        == "/auth_type"
    connector.refresh_from_db()
    assert connector.auth_type == ""


def test_scopes_are_replaced_in_order_and_refusals_point_at_the_row(api, make_connector):
    connector = make_connector("Scoped")
    assert api.put(f"connectors/{connector.pk}/security", {"auth_type": "oauth2", "config": example("oauth2").config,
                                                          "secrets": example("oauth2").client}).status_code == 200
    response = api.put(f"connectors/{connector.pk}/scopes",
                       {"scope_delimiter": " ", "scopes": [{"name": "Write", "value": "write"},
                                                           {"name": "Read", "value": "read"}]})
    assert response.status_code == 200
    assert [s["value"] for s in response.json()["scopes"]] == ["write", "read"]
    assert response.json()["scope_delimiter"] == " "
    refused = api.put(f"connectors/{connector.pk}/scopes",
                      {"scopes": [{"name": "A", "value": "a b"}, {"name": "B", "value": "x"},
                                  {"name": "C", "value": "x"}]})
    assert refused.status_code == 400
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/scopes/0/value", "/scopes/2/value"]
    assert [s.value for s in connector.scopes.all()] == ["write", "read"]
    basic = make_connector("Plain")
    assert api.put(f"connectors/{basic.pk}/scopes", {"scopes": []}).status_code == 400


def test_mark_ready_has_the_pages_gate(api, make_connector):
    connector = make_connector("Gate")
    refused = api.post(f"connectors/{connector.pk}/ready")
    assert refused.status_code == 409
    assert "Security: choose an Authentication Type and save it." in [e["detail"] for e in refused.json()["errors"]]
    api.put(f"connectors/{connector.pk}/security", {"auth_type": "basic", "config": example("basic").config})
    response = api.post(f"connectors/{connector.pk}/ready")
    assert response.status_code == 200 and response.json()["stage"] == "ready"


def test_export_then_import_makes_a_new_draft_and_problems_point_into_the_document(api, make_connector):
    connector = make_connector("Exported")
    api.put(f"connectors/{connector.pk}/security", {"auth_type": "oauth2", "config": example("oauth2").config,
                                                   "secrets": example("oauth2").client})
    document = api.get(f"connectors/{connector.pk}/export").json()
    assert document["connector"]["name"] == "Exported"
    assert example("oauth2").client["client_secret"] not in str(document)
    imported = api.post("connectors/import", {"document": document})
    assert imported.status_code == 201, imported.content
    assert imported.json()["link_name"] != connector.link_name and imported.json()["stage"] == "draft"
    document["connector"]["config"]["token_url"] = "ftp://nope"
    refused = api.post("connectors/import", {"document": document})
    assert refused.status_code == 400
    assert "/document/connector/config/token_url" in [e["pointer"] for e in refused.json()["errors"]]
    assert api.post("connectors/import", {}).status_code == 400


def test_an_openapi_document_is_imported(api):
    spec = {"openapi": "3.0.0", "info": {"title": "Pets", "version": "1"}, "paths": {},
            "servers": [{"url": "https://pets.example.com/v1"}],
            "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}}}
    response = api.post("connectors/import", {"document": spec})
    assert response.status_code == 201, response.content
    assert response.json()["auth_type"] == "api_key"


def test_the_list_searches_filters_and_delete_refuses_a_connector_in_use(api, make_connector, end_user):
    for name in ("Alpha", "Beta", "Gamma"):
        make_connector(name)
    Connector.objects.filter(name="Beta").update(stage=Stage.READY)
    assert api.get("connectors", data={"q": "alp"}).json()["count"] == 1
    assert [c["name"] for c in api.get("connectors", data={"stage": "ready"}).json()["results"]] == ["Beta"]
    beta = Connector.objects.get(name="Beta")
    Connection.objects.create(connector=beta, owner=end_user, name="Uses", link_name="uses")
    assert api.delete(f"connectors/{beta.pk}").status_code == 409
    alpha = Connector.objects.get(name="Alpha")
    assert api.delete(f"connectors/{alpha.pk}").status_code == 204
    assert not Connector.objects.filter(pk=alpha.pk).exists()


def test_connector_operations_need_a_builder(api_as, end_user, make_connector):
    connector = make_connector("Hidden")
    api = api_as(end_user, scopes=["connections:read"])
    assert api.get("connectors").status_code == 403
    assert api.get(f"connectors/{connector.pk}").status_code == 403


def test_the_connector_lists_query_count_is_flat_as_rows_grow(api, make_connector):
    from django.db import connection as db_connection
    from django.test.utils import CaptureQueriesContext

    from builder.models import Scope

    def queries():
        with CaptureQueriesContext(db_connection) as captured:
            assert api.get("connectors", data={"page_size": 100}).status_code == 200
        return len(captured)

    make_connector("First")
    queries()
    few = queries()
    for number in range(30):
        connector = make_connector(f"More {number}")
        Scope.objects.create(connector=connector, name="s", value=f"s{number}")
    assert queries() == few
