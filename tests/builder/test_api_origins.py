"""Base URL and API origins in the builder: Security, the OpenAPI importer (servers) and the built-ins."""

import json

import pytest
from django.urls import reverse

from builder import openapi
from builder.api_origins import OtherHosts, is_api_url
from builder.models import Connector

from tests.builder.conftest import configure, field_error, security_data

pytestmark = pytest.mark.django_db


def post(client, connector, **fields):
    return client.post(reverse("builder:security", args=[connector.pk]), security_data("bearer", **fields))


def where(connector):
    connector = Connector.objects.get(pk=connector.pk)
    return connector.base_url, connector.api_origins, connector.other_hosts, connector.test_url


def test_security_saves_where_the_api_lives(builder_client, make_connector):
    connector = make_connector()
    response = post(builder_client, connector, base_url="https://api.example.com/v1",
                    api_origins="https://uploads.example.com/\n\nhttps://*.files.example.com:8443",
                    other_hosts="without_credentials", test_url="/me")
    assert response.status_code == 302
    assert where(connector) == ("https://api.example.com/v1",
                                ["https://uploads.example.com", "https://*.files.example.com:8443"],
                                "without_credentials", "/me")
    page = builder_client.get(reverse("builder:security", args=[connector.pk])).content.decode()
    assert "https://uploads.example.com\nhttps://*.files.example.com:8443" in page


def test_an_absolute_test_request_gives_the_base_url_when_none_is_set(builder_client, make_connector):
    connector = make_connector()
    assert post(builder_client, connector, test_url="https://api.example.com/v2/me").status_code == 302
    assert where(connector)[0] == "https://api.example.com"


@pytest.mark.parametrize("fields, name, words", [
    ({"test_url": "/me"}, "test_url", "needs a Base URL"),
    ({"base_url": "https://api.example.com", "test_url": "https://other.example.com/me"}, "test_url",
     "another origin"),
    ({"base_url": "api.example.com"}, "base_url", "Enter an absolute URL"),
    ({"api_origins": "https://a.example.com/v1"}, "api_origins", "give only a scheme and a host"),
    ({"api_origins": "ftp://a.example.com"}, "api_origins", "Enter an absolute URL"),
    ({"api_origins": "\n".join(f"https://h{i}.example.com" for i in range(21))}, "api_origins", "at most 20"),
    ({"other_hosts": "anywhere"}, "other_hosts", "Select a valid choice"),
    ({"test_url": "/m e"}, "test_url", "without spaces"),
])
def test_security_refuses_what_cannot_work(builder_client, make_connector, fields, name, words):
    connector = configure(make_connector(base_url="https://kept.example.com"), "bearer")
    response = post(builder_client, connector, **fields)
    assert response.status_code == 400
    assert words in field_error(response, name)
    assert where(connector) == ("https://kept.example.com", [], OtherHosts.REFUSE, "")


def test_openapi_servers_become_the_base_url_and_api_origins(builder_user):
    document = {"openapi": "3.0.3", "info": {"title": "Zylker", "version": "1"}, "paths": {},
                "servers": [{"url": "https://{region}.zylker.com/v2", "variables": {"region": {"default": "eu"}}},
                            {"url": "https://uploads.zylker.com/v2"}, {"url": "https://eu.zylker.com/v3"}],
                "components": {"securitySchemes": {"key": {"type": "http", "scheme": "bearer"}}}}
    connector = openapi.import_openapi(json.dumps(document), user=builder_user)
    # The host's variable is a connection variable (prov, issue 8 item 8); the other servers are further origins.
    assert connector.base_url == "https://{region}.zylker.com/v2"
    assert [variable["name"] for variable in connector.variables] == ["region"]
    assert connector.api_origins == ["https://uploads.zylker.com"]


def test_every_built_in_says_where_its_api_lives():
    from builder.catalog import load_builtin_connectors

    load_builtin_connectors()
    for connector in Connector.objects.exclude(builtin_key=""):
        assert connector.base_url or connector.api_origins, connector.builtin_key
        if connector.test_url.startswith("/"):
            assert connector.base_url, connector.builtin_key  # a path goes to the (connection's) Base URL
        elif connector.test_url:
            assert is_api_url(connector, connector.test_url), connector.builtin_key
