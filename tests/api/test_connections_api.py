"""/api/v1/connections: the token user's own connections, through the same services and forms as the pages."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from builder.models import Connector, Stage
from connections.models import Connection
from tests.connections.conftest import BASIC_CONFIG

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def basic_connector(ready_connector, httpbin_url):
    return ready_connector("Zylker Basic", "basic", BASIC_CONFIG, test_url=f"{httpbin_url}/basic-auth/maria/s3cret-pw")


def add(api, connector_, **body):
    return api.post("connections", {"connector": connector_.pk, "name": "Mine",
                                    "credentials": {"username": "maria", "password": "s3cret-pw"}, **body})


def test_a_key_based_connection_is_added_tested_and_read_back_without_its_secrets(api_as, end_user, basic_connector):
    api = api_as(end_user)
    response = add(api, basic_connector)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["test"]["ok"] is True and "Test passed" in body["test"]["message"]
    assert body["connection"]["status"] == "connected" and body["connection"]["health"] == "passing"
    assert "s3cret-pw" not in response.content.decode()
    link_name = body["connection"]["link_name"]
    assert Connection.objects.get(link_name=link_name).secrets == {"username": "maria", "password": "s3cret-pw"}

    read = api.get(f"connections/{link_name}")
    assert read.status_code == 200 and read.json()["connector"]["link_name"] == basic_connector.link_name
    assert "s3cret-pw" not in read.content.decode()


def test_wrong_values_are_saved_and_the_failed_test_says_why(api_as, end_user, basic_connector):
    response = add(api_as(end_user), basic_connector, credentials={"username": "maria", "password": "wrong"})
    assert response.status_code == 201
    assert response.json()["test"] == {"ok": False, "status": 401, "message": response.json()["test"]["message"]}
    assert "Check the values you entered" in response.json()["test"]["message"]
    assert response.json()["connection"]["status"] == "failing"


def test_refused_input_is_a_problem_with_the_path_of_each_field(api_as, end_user, basic_connector):
    response = add(api_as(end_user), basic_connector, name="x" * 101, credentials={"username": "maria"})
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    pointers = {error["pointer"]: error["detail"] for error in problem["errors"]}
    assert "at most 100 characters" in pointers["/name"]
    assert pointers["/credentials/password"] == "This field is required."
    assert not Connection.objects.exists()


def test_a_body_of_the_wrong_shape_is_a_problem_naming_the_field(api_as, end_user, basic_connector):
    response = api_as(end_user).post("connections", {"connector": basic_connector.pk, "credentials": ["a"]})
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert [error["pointer"] for error in response.json()["errors"]] == ["/credentials"]
    response = api_as(end_user).get("connections", data={"page": "x"})
    assert response.status_code == 400 and response.json()["errors"][0]["parameter"] == "page"


def test_a_draft_or_unknown_connector_is_refused_by_pointer(api_as, end_user, basic_connector):
    basic_connector.stage = Stage.DRAFT
    basic_connector.save()
    for ref in (basic_connector.pk, basic_connector.link_name, "nope", 2**70):
        response = add(api_as(end_user), basic_connector, connector=ref)
        assert response.status_code == 400, ref
        assert response.json()["errors"] == [{"detail": "No such Ready connector.", "pointer": "/connector"}]


def test_another_users_connection_is_a_404_everywhere(api_as, end_user, make_user, basic_connector):
    other = make_user("other")
    theirs = Connection.objects.create(connector=basic_connector, owner=other, name="Theirs", link_name="theirs",
                                       status=Connection.Status.CONNECTED, secrets={"username": "u", "password": "p"})
    api = api_as(end_user)
    for method, path, body in [("get", "connections/theirs", None), ("patch", "connections/theirs", {"name": "x"}),
                               ("post", "connections/theirs/test", None), ("post", "connections/theirs/refresh", None),
                               ("post", "connections/theirs/disconnect", None),
                               ("put", "connections/theirs/credentials", {"credentials": {}}),
                               ("delete", "connections/theirs", None)]:
        response = getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM, (method, path)
    assert api.get("connections").json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.name == "Theirs" and theirs.secrets


def test_rename_disable_enable_test_and_delete(api_as, end_user, basic_connector):
    api = api_as(end_user)
    link_name = add(api, basic_connector).json()["connection"]["link_name"]
    response = api.patch(f"connections/{link_name}", {"name": "Renamed", "enabled": False})
    assert response.status_code == 200 and response.json()["name"] == "Renamed" and not response.json()["enabled"]
    assert response.json()["link_name"] == link_name
    tested = api.post(f"connections/{link_name}/test").json()
    assert not tested["test"]["ok"] and "disabled" in tested["test"]["message"]
    assert api.patch(f"connections/{link_name}", {"enabled": True}).json()["enabled"]
    assert api.post(f"connections/{link_name}/test").json()["test"]["ok"]
    refused = api.patch(f"connections/{link_name}", {"name": ""})
    assert refused.status_code == 400 and refused.json()["errors"][0]["pointer"] == "/name"
    assert api.delete(f"connections/{link_name}").status_code == 204
    assert not Connection.objects.filter(link_name=link_name).exists()


def test_changing_values_keeps_a_secret_left_out_and_tests_again(api_as, end_user, basic_connector):
    api = api_as(end_user)
    link_name = add(api, basic_connector, credentials={"username": "maria", "password": "wrong"}
                    ).json()["connection"]["link_name"]
    response = api.put(f"connections/{link_name}/credentials", {"credentials": {"username": "maria",
                                                                                "password": "s3cret-pw"}})
    assert response.status_code == 200 and response.json()["test"]["ok"]
    response = api.put(f"connections/{link_name}/credentials", {"credentials": {"username": "maria"}})
    assert response.json()["test"]["ok"]  # the password was kept
    assert Connection.objects.get(link_name=link_name).secrets["password"] == "s3cret-pw"


def test_a_connector_authorized_on_the_providers_pages_needs_a_connect_link(api_as, end_user, ready_connector):
    from tests.examples import example

    connector = ready_connector("Zylker OAuth", "oauth2", example("oauth2").config, secrets=example("oauth2").client)
    response = api_as(end_user).post("connections", {"connector": connector.link_name})
    assert response.status_code == 400 and "connect link" in response.json()["detail"]


def test_the_list_filters_and_paginates_with_links(api_as, end_user, basic_connector, ready_connector):
    other_connector = ready_connector("Other", "basic", BASIC_CONFIG)
    for number in range(5):
        Connection.objects.create(connector=basic_connector, owner=end_user, name=f"C{number}",
                                  link_name=f"c{number}", status=Connection.Status.CONNECTED,
                                  last_test_ok=number % 2 == 0)
    Connection.objects.create(connector=other_connector, owner=end_user, name="D", link_name="d",
                              status=Connection.Status.FAILING)
    api = api_as(end_user)
    page = api.get("connections", data={"page_size": 2, "connector": basic_connector.pk}).json()
    assert page["count"] == 5 and [c["name"] for c in page["results"]] == ["C0", "C1"]
    assert page["links"]["prev"] is None and "page=2" in page["links"]["next"] and "page=3" in page["links"]["last"]
    assert f"connector={basic_connector.pk}" in page["links"]["next"]
    last = api.get(page["links"]["last"].split("testserver", 1)[1]).json()
    assert [c["name"] for c in last["results"]] == ["C4"] and last["links"]["next"] is None
    assert api.get("connections", data={"health": "failing"}).json()["count"] == 2
    assert api.get("connections", data={"health": "unknown"}).json()["count"] == 1
    assert api.get("connections", data={"status": "failing"}).json()["count"] == 1
    assert api.get("connections", data={"q": "c"}).json()["count"] == 5
    refused = api.get("connections", data={"status": "nope"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["parameter"] == "status"
    assert api.get("connections", data={"page_size": 1000}).status_code == 400


def test_the_lists_query_count_is_flat_as_rows_grow(api_as, end_user, basic_connector):
    api = api_as(end_user)

    def queries():
        with CaptureQueriesContext(db_connection) as captured:
            assert api.get("connections", data={"page_size": 100}).status_code == 200
        return len(captured)

    Connection.objects.create(connector=basic_connector, owner=end_user, name="A", link_name="a")
    queries()  # the token's first use of the minute also writes last_used_at
    few = queries()
    connectors = [Connector.objects.create(name=f"N{n}", link_name=f"n{n}", auth_type="basic", config=BASIC_CONFIG,
                                           stage=Stage.READY) for n in range(5)]
    Connection.objects.bulk_create(
        Connection(connector=connectors[n % 5], owner=end_user, name=f"B{n}", link_name=f"b{n}") for n in range(40))
    assert queries() == few


def test_a_program_learns_what_each_ready_connector_asks_for(api_as, end_user, basic_connector, make_connector):
    make_connector("Draft only")
    page = api_as(end_user).get("connectable-connectors").json()
    assert [c["link_name"] for c in page["results"]] == [basic_connector.link_name]
    only = page["results"][0]
    assert only["grant"] == "form"
    assert [(f["name"], f["label"], f["secret"]) for f in only["fields"]] == [("username", "Account", False),
                                                                             ("password", "Secret word", True)]
