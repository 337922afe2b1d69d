"""Manage Custom Connectors: the cards, the search, the pages, and a query count that does not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from builder.models import Connector, Stage

from tests.builder.conftest import AUTH_TYPE_KEYS, configure, image_bytes, page

pytestmark = pytest.mark.django_db

LIST = reverse("builder:connector_list")


def many_connectors(count, owner):
    """Create `count` connectors in one query: every auth type, every other one Ready with a logo."""
    logo = image_bytes()
    connectors = []
    for number in range(count):
        connector = Connector(name=f"Service {number:03}", link_name=f"service_{number:03}", created_by=owner,
                              auth_type=AUTH_TYPE_KEYS[number % len(AUTH_TYPE_KEYS)], secrets={"k": "v"},
                              stage=Stage.READY if number % 2 else Stage.DRAFT)
        if number % 2:
            connector.set_logo(logo)
        connectors.append(connector)
    Connector.objects.bulk_create(connectors)


def listed_names(response):
    return [connector.name for connector in response.context["connectors"]]


def test_card_shows_logo_name_link_name_auth_type_and_stage(builder_client, make_connector):
    connector = configure(make_connector("Zylker CRM"), "oauth2")
    connector.set_logo(image_bytes())
    connector.stage = Stage.READY
    connector.save()
    make_connector("Acme Desk")
    html = page(builder_client.get(LIST))
    assert f'src="{reverse("builder:logo", args=[connector.pk])}?v={connector.logo_hash[:12]}"' in html
    assert 'alt="Zylker CRM logo"' in html
    assert "<code>zylker_crm</code>" in html and "<code>acme_desk</code>" in html
    assert "OAuth2" in html and "No auth type" in html
    assert 'data-testid="stage">Ready<' in html and 'data-testid="stage">Draft<' in html
    assert f'href="{reverse("builder:general", args=[connector.pk])}"' in html
    # Without a logo the card shows the name's first letter.
    assert 'aria-hidden="true">A</span>' in html


def test_empty_list_offers_to_create(builder_client):
    html = page(builder_client.get(LIST))
    assert "No custom connectors yet." in html
    assert f'href="{reverse("builder:connector_create")}"' in html


@pytest.mark.parametrize("q, expected", [
    ("zylker", ["Zylker CRM", "Zylker Desk"]),
    ("CRM", ["Acme CRM", "Zylker CRM"]),
    ("acme_crm", ["Acme CRM"]),
    ("  desk  ", ["Zylker Desk"]),
    ("", ["Acme CRM", "Zylker CRM", "Zylker Desk"]),
])
def test_search_by_name_or_link_name(builder_client, make_connector, q, expected):
    for name in ("Zylker CRM", "Zylker Desk", "Acme CRM"):
        make_connector(name)
    response = builder_client.get(LIST, {"q": q})
    assert response.status_code == 200
    assert listed_names(response) == expected


def test_search_by_a_link_name_that_differs_from_the_name(builder_client, make_connector):
    make_connector("Zylker CRM", link_name="legacy_crm")
    assert listed_names(builder_client.get(LIST, {"q": "legacy"})) == ["Zylker CRM"]


def test_search_without_a_match_offers_to_create_it(builder_client, make_connector):
    make_connector("Zylker CRM")
    html = page(builder_client.get(LIST, {"q": "Acme & Co"}))
    assert "No connector matches “Acme &amp; Co”." in html
    assert f'{reverse("builder:connector_create")}?name=Acme%20%26%20Co' in html


def test_pages_of_twelve(builder_client, builder_user):
    many_connectors(30, builder_user)
    first = builder_client.get(LIST)
    assert listed_names(first) == [f"Service {n:03}" for n in range(12)]
    assert "Page 1 of 3" in page(first) and 'href="?page=2"' in page(first)
    last = builder_client.get(LIST, {"page": 3})
    assert listed_names(last) == [f"Service {n:03}" for n in range(24, 30)]
    assert 'href="?page=2"' in page(last) and "?page=4" not in page(last)


def test_pages_keep_the_search(builder_client, builder_user):
    many_connectors(30, builder_user)
    response = builder_client.get(LIST, {"q": "service 0", "page": 2})
    assert listed_names(response) == [f"Service {n:03}" for n in range(12, 24)]
    assert 'href="?q=service+0&amp;page=3"' in page(response)


@pytest.mark.parametrize("bad_page", ["99", "zero"])
def test_a_page_out_of_range_is_404_not_500(builder_client, builder_user, bad_page):
    many_connectors(3, builder_user)
    assert builder_client.get(LIST, {"page": bad_page}).status_code == 404


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_connectors(builder_client, builder_user):
    many_connectors(1, builder_user)
    with_one = count_queries(builder_client)
    Connector.objects.all().delete()
    many_connectors(200, builder_user)
    assert Connector.objects.count() == 200
    assert count_queries(builder_client) == with_one


def test_list_never_loads_logos_or_secrets(builder_client, builder_user):
    many_connectors(3, builder_user)
    with CaptureQueriesContext(connection) as queries:
        builder_client.get(LIST)
    selects = [query["sql"] for query in queries if 'FROM "builder_connector"' in query["sql"]]
    assert selects and all('"builder_connector"."logo"' not in sql for sql in selects)
    assert all('"builder_connector"."secrets"' not in sql for sql in selects)


def test_builtins_are_not_listed_among_custom_connectors(builder_client, make_connector):
    make_connector("My Own API")
    make_connector("Catalog API", builtin_key="catalog_api")
    names = listed_names(builder_client.get(LIST))
    assert names == ["My Own API"]
