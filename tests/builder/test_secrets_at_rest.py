"""Secrets: never in a page, never in clear in the database, and a lost key breaks no page."""

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from builder.models import Connector, Scope

from tests.builder.conftest import CLIENT_SECRET, CONSUMER_SECRET, field_error, page, security_data

pytestmark = pytest.mark.django_db

CANARIES = (CLIENT_SECRET, CONSUMER_SECRET)
NEW_KEY = Fernet.generate_key().decode()
UNDECRYPTABLE_NOTICE = "could not be decrypted"


@pytest.fixture
def both(oauth2_connector, oauth1_connector):
    """Return the two OAuth connectors, each with a scope, so every builder page applies to them."""
    for connector in (oauth2_connector, oauth1_connector):
        Scope.objects.create(connector=connector, name="Read", value="read")
    return oauth2_connector, oauth1_connector


def builder_pages(connector):
    scope = connector.scopes.get()
    return [
        reverse("builder:general", args=[connector.pk]),
        reverse("builder:security", args=[connector.pk]),
        reverse("builder:scopes", args=[connector.pk]),
        reverse("builder:scope_edit", args=[connector.pk, scope.pk]),
        reverse("builder:history", args=[connector.pk]),
        reverse("builder:connector_list"),
        reverse("builder:connector_list") + "?q=zylker",
    ]


def assert_no_canary(response):
    assert response.status_code < 500
    for canary in CANARIES:
        assert canary not in page(response)


def test_no_builder_page_shows_a_secret(builder_client, both):
    for connector in both:
        for url in builder_pages(connector):
            response = builder_client.get(url)
            assert response.status_code == 200, url
            assert_no_canary(response)


def test_ready_pages_show_no_secret(builder_client, both):
    oauth2, oauth1 = both
    assert_no_canary(builder_client.post(reverse("builder:mark_ready", args=[oauth1.pk]), follow=True))
    Connector.objects.filter(pk=oauth2.pk).update(config={**oauth2.config, "token_url": "nope"})
    refused = builder_client.post(reverse("builder:mark_ready", args=[oauth2.pk]))
    assert refused.status_code == 400
    assert_no_canary(refused)


def test_admin_pages_show_no_secret(client, superuser, both):
    client.force_login(superuser)
    assert_no_canary(client.get(reverse("admin:builder_connector_changelist")))
    for connector in both:
        response = client.get(reverse("admin:builder_connector_change", args=[connector.pk]))
        assert response.status_code == 200
        assert_no_canary(response)


def test_database_holds_no_secret_in_clear(both):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets, config FROM builder_connector")
        rows = cursor.fetchall()
    assert len(rows) == 2
    for secrets, config in rows:
        raw = f"{secrets} {config}"
        for canary in CANARIES:
            assert canary not in raw
        # The column does not even say which secrets exist.
        assert "secret" not in str(secrets)


def test_database_holds_no_secret_after_a_change_through_the_page(builder_client, oauth2_connector):
    data = security_data("oauth2", client_secret="rotated-canary-value")
    assert builder_client.post(reverse("builder:security", args=[oauth2_connector.pk]), data).status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets, config FROM builder_connector")
        [(secrets, config)] = cursor.fetchall()
    assert "rotated-canary-value" not in f"{secrets} {config}"
    assert Connector.objects.get().secrets == {"client_secret": "rotated-canary-value"}


def test_empty_secrets_are_encrypted_too(make_connector):
    make_connector()
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM builder_connector")
        [(secrets,)] = cursor.fetchall()
    assert secrets and secrets != "{}"


def test_a_rotated_key_still_decrypts(oauth2_connector):
    with override_settings(CONNECTORS_ENCRYPTION_KEYS=[NEW_KEY, *settings.CONNECTORS_ENCRYPTION_KEYS]):
        assert Connector.objects.get(pk=oauth2_connector.pk).secrets == {"client_secret": CLIENT_SECRET}


@pytest.fixture
def key_lost(both):
    """Configure only a key that did not encrypt the stored secrets."""
    with override_settings(CONNECTORS_ENCRYPTION_KEYS=[NEW_KEY]):
        yield both


def test_lost_key_breaks_no_builder_page(builder_client, key_lost):
    for connector in key_lost:
        for url in builder_pages(connector):
            assert builder_client.get(url).status_code == 200, url


def test_lost_key_security_page_asks_for_the_secrets_again(builder_client, key_lost):
    oauth2, _ = key_lost
    security_url = reverse("builder:security", args=[oauth2.pk])
    response = builder_client.get(security_url)
    assert UNDECRYPTABLE_NOTICE in page(response)
    assert "Stored. Leave blank to keep it." not in page(response)
    blank = builder_client.post(security_url, security_data("oauth2", client_secret=""))
    assert blank.status_code == 400
    assert "required" in field_error(blank, "oauth2-client_secret")
    again = security_data("oauth2", client_secret="re-entered-secret")
    assert builder_client.post(security_url, again).status_code == 302
    assert Connector.objects.get(pk=oauth2.pk).secrets == {"client_secret": "re-entered-secret"}


def test_lost_key_blocks_ready_with_a_message(builder_client, key_lost):
    oauth2, _ = key_lost
    response = builder_client.post(reverse("builder:mark_ready", args=[oauth2.pk]))
    assert response.status_code == 400
    assert UNDECRYPTABLE_NOTICE in page(response)


def test_lost_key_keeps_general_and_delimiter_editable_without_losing_the_ciphertext(builder_client, key_lost):
    oauth2, _ = key_lost
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM builder_connector WHERE id = %s", [oauth2.pk])
        [(ciphertext,)] = cursor.fetchall()
    general = {"name": "Renamed", "link_name": oauth2.link_name, "description": ""}
    assert builder_client.post(reverse("builder:general", args=[oauth2.pk]), general).status_code == 302
    delimiter = {"action": "delimiter", "scope_delimiter": " "}
    assert builder_client.post(reverse("builder:scopes", args=[oauth2.pk]), delimiter).status_code == 302
    assert (Connector.objects.get(pk=oauth2.pk).name, Connector.objects.get(pk=oauth2.pk).scope_delimiter) == (
        "Renamed", " ")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM builder_connector WHERE id = %s", [oauth2.pk])
        assert cursor.fetchall() == [(ciphertext,)]


def test_lost_key_breaks_no_admin_page(client, superuser, key_lost):
    oauth2, _ = key_lost
    client.force_login(superuser)
    assert client.get(reverse("admin:builder_connector_changelist")).status_code == 200
    change_url = reverse("admin:builder_connector_change", args=[oauth2.pk])
    response = client.get(change_url)
    assert response.status_code == 200 and UNDECRYPTABLE_NOTICE in page(response)
    data = {
        "name": "Renamed in admin", "link_name": oauth2.link_name, "description": "", "stage": "draft",
        "scope_delimiter": ",", "test_method": "GET", "test_url": "", "base_url": "", "api_origins": "",
        "other_hosts": "refuse", "expiry_statuses": "401", "expiry_body_field": "", "expiry_body_value": "",
        "scopes-TOTAL_FORMS": "0", "scopes-INITIAL_FORMS": "0",
        "changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0",
    }
    response = client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Connector.objects.get(pk=oauth2.pk).name == "Renamed in admin"
