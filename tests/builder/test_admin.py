"""Django admin for connectors: search, filters, scopes inline, a masked security summary, no secret shown."""

import pytest
from django.test import Client
from django.urls import reverse

from builder.models import Connector, Scope, Stage

from tests.builder.conftest import CLIENT_SECRET, CONSUMER_SECRET, configure, page

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:builder_connector_changelist")


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def catalog(make_connector):
    """Return three connectors that differ in name, description, stage and auth type."""
    crm = configure(make_connector("Zylker CRM", description="Contacts and deals"), "oauth2")
    Connector.objects.filter(pk=crm.pk).update(stage=Stage.READY)
    desk = configure(make_connector("Acme Desk", link_name="helpdesk"), "bearer")
    storage = configure(make_connector("Bucket Store", description="Files"), "aws_sigv4")
    return crm, desk, storage


def listed(response):
    return sorted(connector.name for connector in response.context["cl"].result_list)


def change_url(connector):
    return reverse("admin:builder_connector_change", args=[connector.pk])


def test_changelist_shows_the_columns(superuser_client, catalog):
    html = page(superuser_client.get(CHANGELIST))
    for text in ("Zylker CRM", "zylker_crm", "OAuth2", "Bearer Token", "AWS", "Ready", "Draft"):
        assert text in html


@pytest.mark.parametrize("q, expected", [
    ("zylker", ["Zylker CRM"]),
    ("helpdesk", ["Acme Desk"]),
    ("deals", ["Zylker CRM"]),
    ("nothing-matches", []),
])
def test_changelist_search_over_name_link_name_and_description(superuser_client, catalog, q, expected):
    assert listed(superuser_client.get(CHANGELIST, {"q": q})) == expected


@pytest.mark.parametrize("filters, expected", [
    ({"stage__exact": "ready"}, ["Zylker CRM"]),
    ({"stage__exact": "draft"}, ["Acme Desk", "Bucket Store"]),
    ({"auth_type__exact": "bearer"}, ["Acme Desk"]),
    ({"auth_type__exact": "aws_sigv4", "stage__exact": "draft"}, ["Bucket Store"]),
    ({"auth_type__exact": "oauth1"}, []),
])
def test_changelist_filters_by_stage_and_auth_type(superuser_client, catalog, filters, expected):
    response = superuser_client.get(CHANGELIST, filters)
    assert response.status_code == 200
    assert listed(response) == expected


def test_change_page_shows_scopes_inline_and_the_masked_summary(superuser_client, catalog):
    crm, _, _ = catalog
    Scope.objects.create(connector=crm, name="Read contacts", value="contacts.read")
    response = superuser_client.get(change_url(crm))
    assert response.status_code == 200
    html = page(response)
    assert 'name="scopes-TOTAL_FORMS"' in html and 'value="contacts.read"' in html
    assert "<th>Client ID</th><td>client-id-1</td>" in html
    assert "<th>Client Secret</th><td>•••••••• (set)</td>" in html
    assert "<th>Token URL</th><td>https://api.example.com/oauth2/token</td>" in html
    assert CLIENT_SECRET not in html


def test_change_page_never_offers_to_edit_secrets_or_config(superuser_client, catalog):
    html = page(superuser_client.get(change_url(catalog[0])))
    for name in ("secrets", "config", "auth_type", "logo"):
        assert f'name="{name}"' not in html


def test_change_page_of_an_oauth1_connector_masks_the_consumer_secret(superuser_client, oauth1_connector):
    html = page(superuser_client.get(change_url(oauth1_connector)))
    assert "<th>Consumer Secret</th><td>•••••••• (set)</td>" in html
    assert CONSUMER_SECRET not in html


def test_change_page_without_an_auth_type(superuser_client, make_connector):
    response = superuser_client.get(change_url(make_connector("Bare")))
    assert response.status_code == 200
    assert "—" in page(response)


def test_change_page_lists_the_audit_trail(superuser_client, builder_user, oauth2_connector):
    builder = Client()
    builder.force_login(builder_user)
    data = {"name": "Renamed", "link_name": oauth2_connector.link_name, "description": ""}
    assert builder.post(reverse("builder:general", args=[oauth2_connector.pk]), data).status_code == 302
    html = page(superuser_client.get(change_url(oauth2_connector)))
    assert "Changed General" in html and "builder" in html


def test_saving_in_admin_keeps_the_secrets(superuser_client, oauth2_connector):
    Scope.objects.create(connector=oauth2_connector, name="Read", value="read")
    scope = oauth2_connector.scopes.get()
    data = {
        "name": "Renamed in admin", "link_name": oauth2_connector.link_name, "description": "", "stage": "ready",
        "scope_delimiter": " ", "test_method": "GET", "test_url": "", "base_url": "", "api_origins": "",
        "other_hosts": "refuse", "expiry_statuses": "401", "expiry_body_field": "", "expiry_body_value": "",
        "scopes-TOTAL_FORMS": "1", "scopes-INITIAL_FORMS": "1", "scopes-0-id": str(scope.pk),
        "scopes-0-connector": str(oauth2_connector.pk), "scopes-0-name": "Read all", "scopes-0-value": "read",
        "changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0",
    }
    response = superuser_client.post(change_url(oauth2_connector), data)
    assert response.status_code == 302, page(response)[-2000:]
    oauth2_connector.refresh_from_db()
    # The stage is read-only in the admin (the Ready gate applies there too): a posted one is ignored.
    assert (oauth2_connector.name, oauth2_connector.stage) == ("Renamed in admin", "draft")
    assert oauth2_connector.secrets == {"client_secret": CLIENT_SECRET}
    assert oauth2_connector.scopes.get().name == "Read all"


def test_add_page_opens(superuser_client):
    assert superuser_client.get(reverse("admin:builder_connector_add")).status_code == 200


def test_mark_ready_action_applies_the_ready_gate(superuser_client, oauth2_connector, make_connector):
    incomplete = make_connector("No Security Yet")
    url = reverse("admin:builder_connector_changelist")
    response = superuser_client.post(url, {"action": "mark_ready", "_selected_action": [oauth2_connector.pk,
                                                                                       incomplete.pk]}, follow=True)
    oauth2_connector.refresh_from_db()
    incomplete.refresh_from_db()
    assert oauth2_connector.stage == "ready" and incomplete.stage == "draft"
    assert "choose an Authentication Type" in page(response)
