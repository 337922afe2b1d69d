"""Odd input never gives a 500: each of these once did."""

import pytest
from django.urls import reverse

from connections.models import Connection
from tests.connections.conftest import BEARER_CONFIG, UNREACHABLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(ready_connector, end_user):
    connector = ready_connector("Zylker Bearer", "bearer", BEARER_CONFIG, api_origins=UNREACHABLE)
    return Connection.objects.create(connector=connector, owner=end_user, name="Mine", link_name="mine",
                                     status=Connection.Status.CONNECTED, secrets={"token": "tok-canary"})


@pytest.mark.parametrize("value", ["²", "9" * 30, "-1", "1.5"])
def test_connection_list_filter_with_odd_ids(user_client, connection, value):
    assert user_client.get(reverse("connections:list"), {"connector": value}).status_code == 200


def console(client, connection, **fields):
    return client.post(reverse("connections:console", args=[connection.link_name]),
                       {"method": "POST", "url": "http://127.0.0.1:9/x", "body_type": "none", **fields})


def test_deeply_nested_json_body_is_refused(user_client, connection):
    response = console(user_client, connection, body_type="json", body="[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400 and "nested too deeply" in response.content.decode()


def test_non_latin1_header_is_refused_next_to_the_field(user_client, connection):
    response = console(user_client, connection, headers="X-A: €")
    assert response.status_code == 400 and "Latin-1" in response.content.decode()


def test_deeply_nested_json_response_is_shown_raw(user_client, connection, httpbin_url):
    deep = "[" * 50_000 + "]" * 50_000
    response = console(user_client, connection, url=f"{httpbin_url}/anything", body_type="form", body=f"x={deep}")
    assert response.status_code == 200


def test_aws_query_that_is_not_utf8_is_refused_clearly(user_client, ready_connector, end_user, moto_server):
    connector = ready_connector("Zylker S3", "aws_sigv4", {"service": "s3", "region": moto_server.region},
                                base_url=moto_server.url)
    aws = Connection.objects.create(connector=connector, owner=end_user, name="S3", link_name="s3",
                                    status=Connection.Status.CONNECTED,
                                    secrets={"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "x" * 40})
    response = console(user_client, aws, method="GET", url=f"{moto_server.url}/?a=%ff")
    assert response.status_code == 400 and "percent-encoded UTF-8" in response.content.decode()


def test_callback_of_a_connector_without_a_redirect_flow(user_client, connection):
    response = user_client.get(f"{connection.connector.callback_path()}?state=x&code=y")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('connections:add', args=[connection.connector.pk])}?failed=1"


@pytest.mark.parametrize("value", ["²", "9" * 30])
def test_bulk_scope_delete_with_odd_ids(builder_client, make_connector, value):
    from tests.builder.conftest import configure

    connector = configure(make_connector("Zylker CRM"), "oauth2")
    response = builder_client.post(reverse("builder:scope_bulk_delete", args=[connector.pk]), {"selected": value})
    assert response.status_code == 302
