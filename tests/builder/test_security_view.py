"""Security: every authentication type through the page, refusals next to the fields, stored secrets kept."""

import re

import pytest
from django.urls import reverse

from builder.models import Connector

from tests.builder.conftest import (
    AUTH_TYPE_KEYS, CALLBACK_KEYS, CLIENT_SECRET, SCOPED_KEYS, configure, field_error, page, security_data,
)

pytestmark = pytest.mark.django_db

MANAGEMENT_FIELDS = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")


def blanked(key):
    """Return the type's valid Security POST with every field of its own left empty (formset counts kept)."""
    data = security_data(key)
    return {name: "" if name.startswith(f"{key}-") and not name.endswith(MANAGEMENT_FIELDS) else value
            for name, value in data.items()}


def security_url(connector):
    return reverse("builder:security", args=[connector.pk])


def stored(connector):
    connector = Connector.objects.get(pk=connector.pk)
    return connector.auth_type, connector.config, connector.secrets, connector.test_url


def test_security_page_offers_every_type(builder_client, make_connector):
    response = builder_client.get(security_url(make_connector()))
    assert response.status_code == 200
    for key in AUTH_TYPE_KEYS:
        assert f'name="auth_type" value="{key}"' in page(response)
        assert f'data-auth-type="{key}"' in page(response)


@pytest.mark.parametrize("key", AUTH_TYPE_KEYS)
def test_valid_post_saves_and_redirects(builder_client, builder_user, make_connector, key):
    connector = make_connector()
    response = builder_client.post(security_url(connector), security_data(key))
    assert response.status_code == 302
    # Save & Continue: to OAuth Scopes for the types that use them, else to the Ready step.
    next_page = "builder:scopes" if key in SCOPED_KEYS else "builder:mark_ready"
    assert response["Location"] == reverse(next_page, args=[connector.pk])
    connector.refresh_from_db()
    assert connector.auth_type == key
    assert connector.security_problems() == []
    change = connector.changes.get()
    assert (change.user, change.action) == (builder_user, "security")
    assert "auth_type" in change.fields


@pytest.mark.parametrize("key", AUTH_TYPE_KEYS)
def test_invalid_post_is_refused_next_to_the_field_and_keeps_what_was_stored(builder_client, make_connector, key):
    connector = configure(make_connector(), "basic" if key != "basic" else "bearer")
    before = stored(connector)
    response = builder_client.post(security_url(connector), blanked(key))
    assert response.status_code == 400
    fields_in_error = re.findall(r'id="id_([^"]+)_error"', page(response))
    assert fields_in_error and all(name.startswith(f"{key}-") for name in fields_in_error)
    assert "This field is required." in field_error(response, fields_in_error[0])
    assert stored(connector) == before
    assert not connector.changes.exists()
    # The refused type's panel is the one shown; the others carry no errors of their own.
    assert f'class="auth-panel" data-auth-type="{key}"' in page(response)


def test_choosing_no_type_is_refused(builder_client, make_connector):
    response = builder_client.post(security_url(make_connector()), {"test_method": "GET"})
    assert response.status_code == 400
    assert "Choose an Authentication Type." in page(response)


def test_unknown_type_is_refused(builder_client, make_connector):
    response = builder_client.post(security_url(make_connector()),
                                   {**security_data("basic"), "auth_type": "no_such_type"})
    assert response.status_code == 400
    assert "Select a valid choice" in page(response)


def test_stored_values_are_shown_and_secrets_are_not(builder_client, oauth2_connector):
    response = builder_client.get(security_url(oauth2_connector))
    assert 'class="auth-panel" data-auth-type="oauth2"' in page(response)
    assert 'value="client-id-1"' in page(response)
    assert "Stored. Leave blank to keep it." in page(response)
    assert CLIENT_SECRET not in page(response)


@pytest.mark.parametrize("connector_fixture, key, secret_name", [
    ("oauth2_connector", "oauth2", "client_secret"),
    ("oauth1_connector", "oauth1", "consumer_secret"),
])
def test_blank_secret_keeps_the_stored_one(builder_client, request, connector_fixture, key, secret_name):
    connector = request.getfixturevalue(connector_fixture)
    before = dict(connector.secrets)
    data = security_data(key, **{secret_name: "", "token_url": "https://api.example.com/v2/token"})
    assert builder_client.post(security_url(connector), data).status_code == 302
    connector.refresh_from_db()
    assert connector.secrets == before
    assert connector.changes.get().fields == ["token_url"]


def test_new_secret_replaces_the_stored_one(builder_client, oauth2_connector):
    data = security_data("oauth2", client_secret="rotated-secret-value")
    assert builder_client.post(security_url(oauth2_connector), data).status_code == 302
    oauth2_connector.refresh_from_db()
    assert oauth2_connector.secrets == {"client_secret": "rotated-secret-value"}
    assert oauth2_connector.changes.get().fields == ["client_secret"]


def test_refused_post_never_echoes_the_typed_secret(builder_client, make_connector):
    data = security_data("oauth2", client_secret="typed-secret-canary", token_url="nope")
    response = builder_client.post(security_url(make_connector()), data)
    assert response.status_code == 400
    assert "typed-secret-canary" not in page(response)


def test_switching_away_from_oauth_drops_its_secret(builder_client, oauth2_connector):
    assert builder_client.post(security_url(oauth2_connector), security_data("bearer")).status_code == 302
    oauth2_connector.refresh_from_db()
    assert (oauth2_connector.auth_type, oauth2_connector.secrets) == ("bearer", {})
    assert "client_id" not in oauth2_connector.config


def test_switching_to_oauth_needs_its_secret(builder_client, make_connector):
    connector = configure(make_connector(), "bearer")
    response = builder_client.post(security_url(connector), security_data("oauth1", consumer_secret=""))
    assert response.status_code == 400
    assert "required" in field_error(response, "oauth1-consumer_secret")
    assert Connector.objects.get(pk=connector.pk).auth_type == "bearer"


def test_switching_between_oauth_types_does_not_carry_the_secret_over(builder_client, oauth2_connector):
    response = builder_client.post(security_url(oauth2_connector), security_data("oauth1", consumer_secret=""))
    assert response.status_code == 400
    assert "required" in field_error(response, "oauth1-consumer_secret")


@pytest.mark.parametrize("key", AUTH_TYPE_KEYS)
def test_callback_url_is_shown_for_oauth_types_only(builder_client, make_connector, key):
    connector = configure(make_connector(), key)
    response = builder_client.get(security_url(connector))
    callback = f"http://testserver/connections/oauth/callback/{connector.callback_id}/"
    assert str(connector.callback_id) in callback
    for callback_key in CALLBACK_KEYS:
        assert f'id="callback-{callback_key}" value="{callback}" readonly' in page(response)
    assert page(response).count('class="form-control font-monospace" id="callback-') == len(CALLBACK_KEYS)


def test_api_key_rows_are_saved_in_order(builder_client, make_connector):
    connector = make_connector()
    rows = {
        "parameters-TOTAL_FORMS": "3",
        "parameters-1-name": "Account", "parameters-1-key": "account", "parameters-1-location": "query",
        "parameters-2-name": "Dropped", "parameters-2-key": "dropped", "parameters-2-location": "form",
        "parameters-2-DELETE": "on",
    }
    assert builder_client.post(security_url(connector), security_data("api_key", **rows)).status_code == 302
    connector.refresh_from_db()
    assert connector.config == {"parameters": [
        {"name": "API Key", "key": "X-API-Key", "location": "header"},
        {"name": "Account", "key": "account", "location": "query"},
    ]}
    response = builder_client.get(security_url(connector))
    assert 'name="api_key-parameters-1-key" value="account"' in page(response)


def test_api_key_refuses_duplicate_keys_and_no_rows(builder_client, make_connector):
    connector = make_connector()
    duplicate = {"parameters-TOTAL_FORMS": "2", "parameters-1-name": "Other", "parameters-1-key": "x-api-key",
                 "parameters-1-location": "header"}
    response = builder_client.post(security_url(connector), security_data("api_key", **duplicate))
    assert response.status_code == 400
    assert "already used" in field_error(response, "api_key-parameters-1-key")
    every_row_deleted = {f"parameters-{index}-DELETE": "on" for index in range(3)}
    response = builder_client.post(security_url(connector), security_data("api_key", **every_row_deleted))
    assert response.status_code == 400
    assert "Add at least one parameter." in page(response)


@pytest.mark.parametrize("method, url", [("GET", "https://api.example.com/v1/me"), ("HEAD", "http://127.0.0.1:8000/")])
def test_test_request_is_saved(builder_client, make_connector, method, url):
    connector = make_connector()
    data = security_data("bearer", test_method=method, test_url=url)
    assert builder_client.post(security_url(connector), data).status_code == 302
    connector.refresh_from_db()
    assert (connector.test_method, connector.test_url) == (method, url)


@pytest.mark.parametrize("url", ["not a url", "ftp://api.example.com/", "https://user:pw@api.example.com/"])
def test_test_request_url_is_validated(builder_client, make_connector, url):
    connector = configure(make_connector(), "bearer")
    response = builder_client.post(security_url(connector), security_data("bearer", test_url=url))
    assert response.status_code == 400
    assert field_error(response, "test_url")
    assert Connector.objects.get(pk=connector.pk).test_url == ""


def test_test_request_method_is_validated(builder_client, make_connector):
    response = builder_client.post(security_url(make_connector()), security_data("bearer", test_method="DELETE"))
    assert response.status_code == 400
    assert "Select a valid choice" in field_error(response, "test_method")


def test_a_stored_type_no_longer_registered_breaks_no_page(builder_client, make_connector):
    connector = make_connector()
    Connector.objects.filter(pk=connector.pk).update(auth_type="no_such_type", config={"realm": "x"})
    assert builder_client.get(security_url(connector)).status_code == 200
    assert builder_client.get(reverse("builder:connector_list")).status_code == 200
    refused = builder_client.post(reverse("builder:mark_ready", args=[connector.pk]))
    assert refused.status_code == 400
    assert "choose an Authentication Type" in page(refused)
    assert builder_client.post(security_url(connector), security_data("bearer")).status_code == 302


def test_switching_type_is_refused_while_connections_use_the_connector(builder_client, make_connector, end_user):
    from connections.models import Connection

    connector = configure(make_connector("Zylker CRM"), "bearer")
    Connection.objects.create(connector=connector, owner=end_user, name="In use", link_name="in_use",
                              secrets={"token": "x"})
    data = {"auth_type": "basic", "basic-username_name": "User", "basic-username_key": "user",
            "basic-password_name": "Password", "basic-password_key": "password", "test_method": "GET"}
    response = builder_client.post(reverse("builder:security", args=[connector.pk]), data)
    assert response.status_code == 400 and "1 connection uses this connector" in response.content.decode()
    connector.refresh_from_db()
    assert connector.auth_type == "bearer"


def test_oauth2_keeps_rare_settings_under_advanced(builder_client, make_connector):
    html = page(builder_client.get(security_url(make_connector())))
    panel = re.search(r'<section class="auth-panel[^"]*" data-auth-type="oauth2".*?</section>', html, re.S).group(0)
    main, _, advanced = panel.partition('<details class="advanced-settings')
    for name in ("grant_type", "client_id", "client_secret", "authorization_url", "token_url"):
        assert f'name="oauth2-{name}"' in main
    for name in ("pkce", "issuer", "require_iss", "expiry_seconds", "bearer_name"):
        assert f'name="oauth2-{name}"' in advanced and f'name="oauth2-{name}"' not in main
    assert "<summary" in advanced and " open>" not in advanced.split("<summary")[0]


@pytest.mark.parametrize("fields, is_open", [
    ({}, False),                             # the defaults: collapsed
    ({"bearer_name": "token"}, True),        # a stored value other than the default: shown
])
def test_advanced_opens_when_it_holds_something(builder_client, make_connector, fields, is_open):
    connector = configure(make_connector(), "oauth2", **fields)
    html = page(builder_client.get(security_url(connector)))
    assert ('<details class="advanced-settings mt-2 mb-3" open>' in html) is is_open


def test_advanced_opens_on_a_refused_field(builder_client, make_connector):
    response = builder_client.post(security_url(make_connector()), security_data("oauth2", expiry_seconds="0"))
    assert response.status_code == 400
    assert '<details class="advanced-settings mt-2 mb-3" open>' in page(response)


def test_api_key_rows_share_one_help(builder_client, make_connector):
    rows = [{"name": f"Key {n}", "key": f"k{n}", "location": "header"} for n in range(3)]
    connector = make_connector(auth_type="api_key", config={"parameters": rows})
    html = page(builder_client.get(security_url(connector)))
    help_text = "Shown to the end user when authorizing a connection."
    assert html.count(help_text) == 1
    for n in range(3):
        field = re.search(rf'<input [^>]*id="id_api_key-parameters-{n}-name"[^>]*>', html).group(0)
        assert 'aria-describedby="api_key-parameters-name-help"' in field
