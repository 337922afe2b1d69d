"""Connect links: single use, 30 minutes, the opener goes to Add Connection, the program polls the result."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ConnectLink
from tests.connections.conftest import BASIC_CONFIG
from tests.connections.test_key_based import add_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def connector(ready_connector, httpbin_url):
    return ready_connector("Linked", "basic", BASIC_CONFIG, test_url=f"{httpbin_url}/basic-auth/maria/s3cret-pw")


def make_link(api, connector):
    response = api.post("connect-links", {"connector": connector.link_name})
    assert response.status_code == 201, response.content
    return response.json()


def path_of(url):
    return url.split("testserver", 1)[1]


def test_the_opener_adds_a_connection_and_the_program_sees_it(api_as, builder_user, end_user, client, connector):
    api = api_as(builder_user)
    link = make_link(api, connector)
    assert link["status"] == "pending" and link["connection"] is None
    assert datetime.datetime.fromisoformat(link["expires_at"]) - datetime.datetime.fromisoformat(
        link["created_at"]) == datetime.timedelta(minutes=30)

    anonymous = client.get(path_of(link["url"]))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(end_user)
    opened = client.get(path_of(link["url"]))
    assert opened.status_code == 302 and opened["Location"] == reverse("connections:add", args=[connector.pk])
    assert api.get(f"connect-links/{link['id']}").json()["status"] == "opened"

    assert add_connection(client, connector, username="maria", password="s3cret-pw").status_code == 302
    polled = api.get(f"connect-links/{link['id']}").json()
    assert polled["status"] == "connected"
    assert polled["connection"]["status"] == "connected" and polled["connection"]["health"] == "passing"

    again = client.get(path_of(link["url"]))
    assert again.status_code == 410 and "used already" in again.content.decode()


def test_a_link_claimed_by_one_user_is_refused_to_another(api_as, end_user, make_user, client, connector):
    link = make_link(api_as(end_user), connector)
    client.force_login(make_user("first"))
    assert client.get(path_of(link["url"])).status_code == 302
    client.force_login(make_user("second"))
    response = client.get(path_of(link["url"]))
    assert response.status_code == 410 and "used already" in response.content.decode()


def test_an_expired_or_unknown_link_is_refused(api_as, end_user, client, connector):
    link = make_link(api_as(end_user), connector)
    ConnectLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(end_user)
    response = client.get(path_of(link["url"]))
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert api_as(end_user, name="again").get(f"connect-links/{link['id']}").json()["status"] == "expired"
    assert client.get(reverse("connect_link", args=["nope"])).status_code == 404


def test_only_its_maker_polls_a_link_and_only_a_ready_connector_gets_one(api_as, end_user, make_user, connector,
                                                                         make_connector):
    link = make_link(api_as(end_user), connector)
    assert api_as(make_user("other")).get(f"connect-links/{link['id']}").status_code == 404
    draft = make_connector("Draft one")
    response = api_as(end_user, name="d").post("connect-links", {"connector": draft.pk})
    assert response.status_code == 400 and response.json()["errors"][0]["pointer"] == "/connector"
    assert ConnectLink.objects.count() == 1
    assert link["url"].split("/connect/")[1].strip("/") not in str(ConnectLink.objects.values().get())


def test_a_nul_in_the_connector_is_a_problem_not_a_server_error(api_as, end_user):
    api = api_as(end_user)
    for path in ("connect-links", "connections"):
        response = api.post(path, {"connector": "a\u0000b"})
        assert response.status_code == 400 and response.json()["errors"][0]["pointer"] == "/connector", path
