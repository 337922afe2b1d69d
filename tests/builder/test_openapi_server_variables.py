"""OpenAPI servers variables become connection variables on import, not placeholder hosts."""

import json

import pytest

from builder import openapi
from connections.models import Connection
from connections.services import connection_url
from tests.builder.openapi_helpers import openapi3

pytestmark = pytest.mark.django_db

KEY = {"ApiKey": {"type": "apiKey", "in": "header", "name": "Authorization"}}


def imported(servers, builder_user):
    return openapi.import_openapi(json.dumps(openapi3(KEY, servers=servers)), user=builder_user)


def test_a_whole_host_variable_becomes_a_dns_label_of_its_default_domain(builder_user, end_user):
    connector = imported([{"url": "https://{yourOktaDomain}/api/v1", "variables": {
        "yourOktaDomain": {"default": "subdomain.okta.com", "description": "Your Okta domain"}}}], builder_user)
    assert connector.base_url == "https://{your_okta_domain}.okta.com/api/v1"
    assert connector.variables == [{"name": "your_okta_domain", "label": "Your Okta domain", "kind": "dns_label",
                                    "help": "Your address is ….okta.com: give the part before it."}]
    connection = Connection.objects.create(connector=connector, owner=end_user, name="Mine", link_name="mine",
                                           variables={"your_okta_domain": "zylker"})
    assert connection_url(connection, "/users/me") == "https://zylker.okta.com/api/v1/users/me"


def test_an_enum_is_a_choice_and_path_variables_take_their_default(builder_user):
    connector = imported([{"url": "https://api.{region}.example.com/{version}", "variables": {
        "region": {"default": "eu", "enum": ["eu", "us"]}, "version": {"default": "v2"}}}], builder_user)
    assert connector.base_url == "https://api.{region}.example.com/v2"
    assert connector.variables == [{"name": "region", "label": "region", "help": "", "kind": "choice",
                                    "choices": ["eu", "us"]}]


def test_a_fixed_host_keeps_the_servers_defaults(builder_user):
    connector = imported([{"url": "https://api.example.com/{version}", "variables": {"version": {"default": "v3"}}}],
                         builder_user)
    assert connector.base_url == "https://api.example.com/v3" and connector.variables == []


def test_the_document_round_trips_with_its_variables(builder_user):
    from builder.documents import connector_document, import_document

    connector = imported([{"url": "https://{tenant}.example.com", "variables": {"tenant": {"default": "acme"}}}],
                         builder_user)
    copy = import_document(connector_document(connector), user=builder_user)
    assert copy.variables == connector.variables and copy.base_url == "https://{tenant}.example.com"


def test_the_test_request_goes_to_the_connections_own_host(builder_user):
    document = openapi3({"bearer": {"type": "http", "scheme": "bearer"}},
                        servers=[{"url": "https://{tenant}.zylker.com/api",
                                  "variables": {"tenant": {"default": "acme"}}}],
                        paths={"/me": {"get": {"responses": {"200": {"description": "ok"}}}}})
    connector = openapi.import_openapi(json.dumps(document), user=builder_user)
    assert connector.base_url == "https://{tenant}.zylker.com/api" and connector.test_url == "/me"
