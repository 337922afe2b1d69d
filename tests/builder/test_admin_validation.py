"""Django admin refuses what the builder's pages refuse, with the same messages, and saves nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from builder.models import Connector, Scope
from connections.models import Connection

from tests.builder.conftest import configure, field_error, security_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(superuser):
    client = Client()  # a client of its own: the tests compare with the builder's pages (builder_client)
    client.force_login(superuser)
    return client


def admin_data(connector, **fields):
    """Return the admin change form's POST for `connector` as it is stored, `fields` overriding it."""
    scopes = list(connector.scopes.all())
    data = {
        "name": connector.name, "link_name": connector.link_name, "description": connector.description,
        "scope_delimiter": connector.scope_delimiter, "test_method": connector.test_method,
        "test_url": connector.test_url,
        "scopes-TOTAL_FORMS": str(len(scopes)), "scopes-INITIAL_FORMS": str(len(scopes)),
        "changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0",
    }
    for index, scope in enumerate(scopes):
        data.update({f"scopes-{index}-id": str(scope.pk), f"scopes-{index}-connector": str(connector.pk),
                     f"scopes-{index}-name": scope.name, f"scopes-{index}-value": scope.value})
    return {**data, **fields}


def admin_errors(response):
    """Return {field: [messages]} of the admin's main form and of its scope rows ('scopes-N-field')."""
    errors = {name: list(messages) for name, messages in response.context["adminform"].form.errors.items()}
    for inline in response.context["inline_admin_formsets"]:
        for index, form in enumerate(inline.formset.forms):
            errors.update({f"{inline.formset.prefix}-{index}-{name}": list(messages)
                           for name, messages in form.errors.items()})
    return errors


def stored(connector):
    connector = Connector.objects.get(pk=connector.pk)
    return (connector.name, connector.test_url, connector.scope_delimiter,
            sorted(connector.scopes.values_list("value", flat=True)))


REFUSED_TEST_URLS = ["file:///etc/passwd", "gopher://api.example.com/", "http://api.example.com/v1/me",
                     "https://user:pw@api.example.com/", "https://api.example.com/#top", "not a url"]


@pytest.mark.parametrize("url", REFUSED_TEST_URLS)
def test_a_test_request_url_the_builder_refuses_is_refused_in_the_admin(settings, superuser_client,
                                                                       builder_client, oauth2_connector, url):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False
    before = stored(oauth2_connector)

    builder = builder_client.post(reverse("builder:security", args=[oauth2_connector.pk]),
                                  security_data("oauth2", client_secret="", test_url=url))
    response = superuser_client.post(reverse("admin:builder_connector_change", args=[oauth2_connector.pk]),
                                     admin_data(oauth2_connector, test_url=url))

    assert builder.status_code == response.status_code == 400
    assert admin_errors(response)["test_url"] == [field_error(builder, "test_url")]
    assert stored(oauth2_connector) == before


def test_plain_http_is_accepted_where_the_setting_allows_it(settings, superuser_client, oauth2_connector):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = True
    url = "http://127.0.0.1:8000/me"
    response = superuser_client.post(reverse("admin:builder_connector_change", args=[oauth2_connector.pk]),
                                     admin_data(oauth2_connector, test_url=url))
    assert response.status_code == 302
    assert Connector.objects.get(pk=oauth2_connector.pk).test_url == url


@pytest.mark.parametrize("field, value", [("name", "#Zylker"), ("link_name", "Zylker CRM"),
                                          ("description", "Contacts <script>")])
def test_general_fields_the_builder_refuses_are_refused_in_the_admin(superuser_client, builder_client,
                                                                    oauth2_connector, field, value):
    before = stored(oauth2_connector)
    general = {"name": oauth2_connector.name, "link_name": oauth2_connector.link_name, "description": "",
               field: value}
    builder = builder_client.post(reverse("builder:general", args=[oauth2_connector.pk]), general)
    response = superuser_client.post(reverse("admin:builder_connector_change", args=[oauth2_connector.pk]),
                                     admin_data(oauth2_connector, **{field: value}))
    assert builder.status_code == response.status_code == 400
    assert admin_errors(response)[field] == [field_error(builder, field)]
    assert stored(oauth2_connector) == before


@pytest.mark.parametrize("value, message", [
    ("read all", "A scope value has no spaces."),
    ("read,write", "A scope value cannot contain the scope delimiter (Comma)."),
    ("write", "This connector already has a scope with this value."),
])
def test_scope_values_the_builder_refuses_are_refused_in_the_admin(superuser_client, oauth2_connector,
                                                                   value, message):
    Scope.objects.create(connector=oauth2_connector, name="Read", value="read")
    Scope.objects.create(connector=oauth2_connector, name="Write", value="write")
    before = stored(oauth2_connector)
    data = admin_data(oauth2_connector)
    row = next(key for key, stored_value in data.items() if stored_value == "read")
    response = superuser_client.post(reverse("admin:builder_connector_change", args=[oauth2_connector.pk]),
                                     {**data, row: value})
    assert response.status_code == 400
    assert message in admin_errors(response)[row]
    assert stored(oauth2_connector) == before


def test_a_delimiter_that_clashes_with_the_stored_scopes_is_refused(superuser_client, oauth2_connector):
    Scope.objects.create(connector=oauth2_connector, name="Read", value="read+write")
    before = stored(oauth2_connector)
    response = superuser_client.post(reverse("admin:builder_connector_change", args=[oauth2_connector.pk]),
                                     admin_data(oauth2_connector, scope_delimiter="+"))
    assert response.status_code == 400
    assert admin_errors(response)["scope_delimiter"] == ["These scope values contain that delimiter: read+write."]
    assert stored(oauth2_connector) == before


def test_the_add_page_checks_new_scope_rows_against_the_new_delimiter(superuser_client):
    data = {"name": "Zylker New", "link_name": "zylker_new", "description": "", "scope_delimiter": " ",
            "test_method": "GET", "test_url": "https://api.example.com/me",
            "scopes-TOTAL_FORMS": "2", "scopes-INITIAL_FORMS": "0", "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0", "scopes-0-name": "Read", "scopes-0-value": "read",
            "scopes-1-name": "Read again", "scopes-1-value": "read"}
    url = reverse("admin:builder_connector_add")
    refused = superuser_client.post(url, data)
    assert refused.status_code == 400 and not Connector.objects.exists()

    accepted = superuser_client.post(url, {**data, "scopes-1-value": "write"})
    assert accepted.status_code == 302
    assert sorted(Connector.objects.get(link_name="zylker_new").scopes.values_list("value", flat=True)) == [
        "read", "write"]


def test_a_connection_name_the_pages_refuse_is_refused_in_the_admin(superuser_client, oauth2_connector, end_user):
    connection = Connection.objects.create(connector=oauth2_connector, owner=end_user, name="Mine", link_name="mine")
    url = reverse("admin:connections_connection_change", args=[connection.pk])
    data = {"name": "", "status": connection.status, "enabled": "on",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}
    response = superuser_client.post(url, data)
    assert response.status_code == 400
    assert "name" in response.context["adminform"].form.errors
    assert Connection.objects.get(pk=connection.pk).name == "Mine"
    assert superuser_client.post(url, {**data, "name": "Renamed"}).status_code == 302
