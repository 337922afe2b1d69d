"""Mark as Ready (what blocks it, what only warns) and the audit trail of every later change."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from auth_types import registry
from builder.models import Connector, ConnectorChange, Scope

from tests.examples import example
from tests.builder.conftest import (
    AUTH_TYPE_KEYS, SCOPED_KEYS, WITH_SECRETS, configure, page, security_data,
)

pytestmark = pytest.mark.django_db

READY_MESSAGE = "The stage has been changed from Draft to Ready."


def recommendation(name):
    return f"We strongly recommend adding scopes to your {name} connector, even though scopes in {name} are optional."


def mark_ready(client, connector, **data):
    return client.post(reverse("builder:mark_ready", args=[connector.pk]), data)


def ready_step(client, connector):
    return page(client.get(reverse("builder:mark_ready", args=[connector.pk])))


def stage(connector):
    return Connector.objects.get(pk=connector.pk).stage


def test_without_security_the_ready_step_says_what_is_missing_before_it_is_pressed(builder_client, make_connector):
    connector = make_connector()
    for url in [reverse("builder:general", args=[connector.pk]), reverse("builder:mark_ready", args=[connector.pk])]:
        html = page(builder_client.get(url))
        # Mark as Ready is disabled, with the reason next to it.
        assert re.search(r'<button class="btn btn-success" type="(button|submit)" disabled aria-describedby="ready-blocked', html)
    general = page(builder_client.get(reverse("builder:general", args=[connector.pk])))
    assert f'First complete <a href="{reverse("builder:security", args=[connector.pk])}">Security</a>.' in general
    assert "Security: choose an Authentication Type and save it." in ready_step(builder_client, connector)


def test_without_security_ready_is_refused_with_what_is_missing(builder_client, make_connector):
    connector = make_connector()
    response = mark_ready(builder_client, connector)
    assert response.status_code == 400
    assert "Security: choose an Authentication Type and save it." in page(response)
    assert f'<a href="{reverse("builder:security", args=[connector.pk])}" class="fw-semibold">Security</a>' in page(response)
    assert stage(connector) == "draft" and not connector.changes.exists()


@pytest.mark.parametrize("key, config_change, problem", [
    ("oauth2", {"token_url": "not a url"}, "Security: Token URL: Enter an absolute URL"),
    ("basic", {"username_key": ""}, "Security: Username Parameter Key: This field is required."),
    ("api_key", {"parameters": []}, "Add at least one parameter."),
])
def test_invalid_stored_security_blocks_ready(builder_client, make_connector, key, config_change, problem):
    connector = configure(make_connector(), key)
    Connector.objects.filter(pk=connector.pk).update(config={**connector.config, **config_change})
    assert problem in ready_step(builder_client, connector)
    response = mark_ready(builder_client, connector)
    assert response.status_code == 400
    assert problem in page(response)
    assert stage(connector) == "draft"


def test_missing_oauth_secret_blocks_ready(builder_client, oauth2_connector):
    oauth2_connector.secrets = {}
    oauth2_connector.save()
    response = mark_ready(builder_client, oauth2_connector)
    assert response.status_code == 400
    assert "Security: Client Secret: This field is required." in page(response)


def test_invalid_stored_general_blocks_ready(builder_client, make_connector):
    connector = configure(make_connector(), "bearer")
    Connector.objects.filter(pk=connector.pk).update(name="#bad name")
    response = mark_ready(builder_client, connector)
    assert response.status_code == 400
    assert "General: Connector name: Use letters" in page(response)


@pytest.mark.parametrize("key", [key for key in AUTH_TYPE_KEYS if key not in SCOPED_KEYS])
def test_complete_connector_is_marked_ready(builder_client, builder_user, make_connector, key):
    connector = configure(make_connector(), key)
    assert "disabled" not in ready_step(builder_client, connector).split("Mark as Ready")[0].rsplit("<button", 1)[1]
    response = mark_ready(builder_client, connector)
    assert response.status_code == 302
    assert response["Location"] == reverse("builder:mark_ready", args=[connector.pk])
    assert stage(connector) == "ready"
    change = connector.changes.get()
    assert (change.user, change.action, change.fields) == (builder_user, "ready", ["stage"])
    followed = page(builder_client.get(response["Location"]))
    assert READY_MESSAGE in followed and "recommend" not in followed
    # Every step is complete once Ready.
    assert "3 of 3 steps done" in followed


@pytest.mark.parametrize("key", SCOPED_KEYS)
def test_oauth_without_scopes_is_ready_with_the_recommendation_worded_for_its_type(builder_client, make_connector,
                                                                                    key):
    name = registry.get(key).name
    connector = configure(make_connector(), key)
    assert ready_step(builder_client, connector).count(recommendation(name)) == 1
    response = builder_client.post(reverse("builder:mark_ready", args=[connector.pk]), follow=True)
    assert response.status_code == 200
    assert stage(connector) == "ready"
    assert READY_MESSAGE in page(response)
    assert page(response).count(recommendation(name)) == 1
    # A Ready OAuth connector without scopes is complete: scopes are optional.
    assert "4 of 4 steps done" in page(response)
    scopes = page(builder_client.get(reverse("builder:scopes", args=[connector.pk])))
    assert scopes.count(recommendation(name)) == 1


def test_oauth_with_scopes_gets_no_recommendation(builder_client, oauth2_connector):
    Scope.objects.create(connector=oauth2_connector, name="Read", value="read")
    response = builder_client.post(reverse("builder:mark_ready", args=[oauth2_connector.pk]), follow=True)
    assert READY_MESSAGE in page(response) and "recommend" not in page(response)


def test_marking_ready_twice_records_it_once(builder_client, oauth2_connector):
    mark_ready(builder_client, oauth2_connector)
    assert mark_ready(builder_client, oauth2_connector).status_code == 302
    assert oauth2_connector.changes.filter(action="ready").count() == 1


def test_ready_connector_shows_add_connection_instead_of_mark_as_ready(builder_client, oauth2_connector):
    general = reverse("builder:general", args=[oauth2_connector.pk])
    draft = page(builder_client.get(general))
    assert "Mark as Ready" in draft and "Add Connection" not in draft
    mark_ready(builder_client, oauth2_connector)
    ready = page(builder_client.get(general))
    assert "Add Connection" in ready and "Mark as Ready" not in ready
    assert reverse("connections:add", args=[oauth2_connector.pk]) in ready
    assert 'data-testid="stage">Ready<' in ready


def test_ready_connector_stays_editable_and_every_change_is_recorded(builder_client, builder_user, oauth1_connector):
    connector = oauth1_connector
    mark_ready(builder_client, connector)
    before = timezone.now()
    general = {"name": "Renamed", "link_name": "renamed", "description": "Now described"}
    assert builder_client.post(reverse("builder:general", args=[connector.pk]), general).status_code == 302
    security = security_data("oauth1", consumer_secret="rotated-consumer-canary",
                             token_url="https://api.example.com/oauth/token2")
    assert builder_client.post(reverse("builder:security", args=[connector.pk]), security).status_code == 302
    scopes = {"action": "add", "scopes-TOTAL_FORMS": "1", "scopes-INITIAL_FORMS": "0",
              "scopes-0-name": "Read", "scopes-0-value": "read"}
    assert builder_client.post(reverse("builder:scopes", args=[connector.pk]), scopes).status_code == 302
    assert stage(connector) == "ready"
    changes = list(connector.changes.filter(at__gte=before).order_by("pk"))
    assert [(change.action, change.fields) for change in changes] == [
        ("general", ["description", "link_name", "name"]),
        ("security", ["consumer_secret", "token_url"]),
        ("scopes", ["scopes"]),
    ]
    assert all(change.user == builder_user for change in changes)


def test_secret_values_never_reach_the_audit_trail(builder_client, make_connector):
    connector = make_connector()
    for key in WITH_SECRETS:
        data = security_data(key)
        assert builder_client.post(reverse("builder:security", args=[connector.pk]), data).status_code == 302
    data = security_data("oauth2", client_secret="second-secret-canary")
    builder_client.post(reverse("builder:security", args=[connector.pk]), data)
    recorded = repr(list(ConnectorChange.objects.values_list("fields", flat=True)))
    history = page(builder_client.get(reverse("builder:history", args=[connector.pk])))
    for secret in [*(value for key in WITH_SECRETS for value in example(key).client.values()), "second-secret-canary"]:
        assert secret not in recorded and secret not in history
    assert "client_secret" in recorded


def test_history_page_shows_who_what_and_when(builder_client, make_connector):
    response = builder_client.post(reverse("builder:connector_create"), {"name": "Zylker CRM"})
    connector = Connector.objects.get()
    security = builder_client.post(reverse("builder:security", args=[connector.pk]), security_data("bearer"))
    assert security.status_code == 302
    history = page(builder_client.get(reverse("builder:history", args=[connector.pk])))
    assert response.status_code == 302
    assert "<td>builder</td>" in history
    assert "Created" in history and "Changed Security" in history
    assert "description, link_name, name" in history
    assert history.index("Changed Security") < history.index("Created")
    assert f"{timezone.now():%Y-%m-%d}" in history


def test_editing_a_builtin_makes_it_a_custom_connector(builder_client, make_connector):
    connector = make_connector("Catalog Thing", builtin_key="catalog_thing")
    response = builder_client.post(reverse("builder:general", args=[connector.pk]),
                                   {"name": "Catalog Thing", "link_name": connector.link_name, "description": "Mine"})
    assert response.status_code == 302
    connector.refresh_from_db()
    assert connector.builtin_key == ""
