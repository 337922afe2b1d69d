"""Lean pages (issue 12, item 4): the same number of queries with 10 rows as with 1,000, and no page
that lists every row (Built-in Connectors, Connections' View More, Security)."""

import re

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from builder.models import Connector, Stage
from connections.models import Connection

from tests.builder.conftest import configure, page, security_data
from tests.examples import example

pytestmark = pytest.mark.django_db


def builtins(count, offset=0):
    """Make `count` built-in connectors, half Ready, over a few categories."""
    stored = example("bearer")
    Connector.objects.bulk_create(
        Connector(name=f"Service {offset + n:04}", link_name=f"service_{offset + n:04}",
                  builtin_key=f"service_{offset + n}", category=f"Category {n % 5}", auth_type="bearer", config=stored.config,
                  stage=Stage.READY if n % 2 else Stage.DRAFT, description="An API.")
        for n in range(count))


def connections_of(user, count, offset=0):
    """Make `count` connections of `user`, each to a connector of its own."""
    builtins(count, offset)
    names = [f"service_{offset + n:04}" for n in range(count)]
    connectors = Connector.objects.filter(link_name__in=names).order_by("pk")
    Connection.objects.bulk_create(
        Connection(connector=connector, owner=user, name=f"Mine {offset + n}", link_name=f"mine_{offset + n}",
                   status=Connection.Status.CONNECTED, secrets={"token": "tok"})
        for n, connector in enumerate(connectors))


def queries(client, url, params=None):
    with CaptureQueriesContext(db) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), page(response)


@pytest.mark.parametrize("params", [{}, {"category": "Category 1"}, {"category": "CUSTOM CONNECTOR"}, {"q": "Service"}])
def test_built_in_connectors_queries_are_flat(builder_client, params):
    builtins(10)
    few, _ = queries(builder_client, reverse("builder:catalog"), params)
    builtins(990, offset=10)
    many, html = queries(builder_client, reverse("builder:catalog"), params)
    assert many == few
    assert html.count('data-testid="catalog-card"') <= 48  # a page of cards, never every connector


def test_cards_link_where_the_views_do(builder_client, builder_user):
    builtins(4)
    mine = configure(Connector.objects.create(name="Mine", link_name="mine", created_by=builder_user), "bearer")
    html = page(builder_client.get(reverse("builder:catalog")))
    for connector in Connector.objects.filter(builtin_key__gt=""):
        target = "connections:add" if connector.is_ready else "builder:pick"
        assert f'href="{reverse(target, args=[connector.pk])}"' in html
    custom = page(builder_client.get(reverse("builder:catalog"), {"category": "CUSTOM CONNECTOR"}))
    assert f'href="{reverse("builder:general", args=[mine.pk])}">Open in builder</a>' in custom


def test_view_more_queries_are_flat_and_its_connector_filter_is_a_search(client, end_user):
    client.force_login(end_user)
    connections_of(end_user, 10)
    few, _ = queries(client, reverse("connections:list"))
    connections_of(end_user, 990, offset=10)
    many, html = queries(client, reverse("connections:list"))
    assert many == few
    assert "<option" not in html.split('name="status"')[0]  # no list of every connector
    assert re.search(r'<input class="form-control" type="search" name="connector"', html)

    found, html = queries(client, reverse("connections:list"), {"connector": "Service 0007"})
    assert found == few
    assert "Mine 7<" in html and "Mine 8<" not in html


def test_security_queries_are_flat(builder_client, builder_user, end_user):
    connector = configure(Connector.objects.create(name="Zylker", link_name="zylker", created_by=builder_user),
                          "oauth2")
    connections_of(end_user, 10)
    url = reverse("builder:security", args=[connector.pk])
    few, _ = queries(builder_client, url)
    connections_of(end_user, 990, offset=10)
    many, html = queries(builder_client, url)
    assert many == few
    assert re.findall(r'data-auth-type="([^"]+)"', html) == ["oauth2"]


def test_security_fields_rendered_once_follow_every_change(builder_client, builder_user):
    """The unbound Security fields come from the cache while the connector is unchanged, and never outlive a change."""
    connector = configure(Connector.objects.create(name="Zylker", link_name="zylker", created_by=builder_user),
                          "oauth2", token_url="https://accounts.zylker.example/token-one")
    url = reverse("builder:security", args=[connector.pk])
    def without_tokens(html):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)

    first = page(builder_client.get(url))
    assert "token-one" in first and without_tokens(page(builder_client.get(url))) == without_tokens(first)
    configure(connector, "oauth2", token_url="https://accounts.zylker.example/token-two")
    changed = page(builder_client.get(url))
    assert "token-two" in changed and "token-one" not in changed
    # Another host shows its own callback URL; a refused POST shows what was posted.
    assert "//127.0.0.1/" in page(builder_client.get(url, HTTP_HOST="127.0.0.1"))
    refused = builder_client.post(url, security_data("oauth2", token_url="not a url"))
    assert refused.status_code == 400 and 'value="not a url"' in page(refused)


def test_catalog_cards_rendered_once_follow_every_change(client, builder_user, end_user):
    builtins(4)
    client.force_login(builder_user)
    catalog = reverse("builder:catalog")
    assert "Service 0001" in page(client.get(catalog))
    renamed = Connector.objects.get(name="Service 0001")
    renamed.name = "Renamed Service"
    renamed.save()
    html = page(client.get(catalog))
    assert "Renamed Service" in html and "Service 0001" not in html
    # Someone who may not build never gets the builder's cards (a Draft of theirs, its builder link).
    mine = configure(Connector.objects.create(name="Draft Of Mine", link_name="draft_of_mine",
                                              created_by=builder_user), "bearer")
    custom = {"category": "CUSTOM CONNECTOR"}
    assert f'href="{reverse("builder:general", args=[mine.pk])}"' in page(client.get(catalog, custom))
    client.force_login(end_user)
    html = page(client.get(catalog, custom))
    assert "Draft Of Mine" not in html and reverse("builder:general", args=[mine.pk]) not in html


def test_the_steppers_security_check_follows_every_save(builder_client, builder_user):
    """The stepper's check of the stored configuration is kept per version of the connector: a save shows anew."""
    from tests.builder.test_builder_pages import steps_of

    connector = configure(Connector.objects.create(name="Zylker", link_name="zylker", created_by=builder_user),
                          "oauth2")
    general = reverse("builder:general", args=[connector.pk])
    assert ("Security", "Done") in steps_of(page(builder_client.get(general)))
    connector.config = {**connector.config, "token_url": "not a url"}
    connector.save()
    assert ("Security", "Has problems") in steps_of(page(builder_client.get(general)))
    assert ("Security", "Has problems") in steps_of(page(builder_client.get(general)))
    configure(connector, "oauth2")
    assert ("Security", "Done") in steps_of(page(builder_client.get(general)))
    # The Ready gate checks afresh, whatever the stepper last showed.
    Connector.objects.filter(pk=connector.pk).update(config={**connector.config, "token_url": "not a url"})
    assert builder_client.post(reverse("builder:mark_ready", args=[connector.pk])).status_code != 302 or \
        Connector.objects.get(pk=connector.pk).stage != Stage.READY
