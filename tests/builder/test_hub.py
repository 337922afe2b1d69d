"""The Microservices page, the Built-in Connectors page (Pick & Create) and View More."""

import pytest
from django.urls import reverse

from auth_types import registry
from builder.models import Connector, Stage
from connections.models import Connection
from tests.examples import example

pytestmark = pytest.mark.django_db


def builtin(name, category="Productivity", *, stage=Stage.READY, auth_type="bearer", **fields):
    config = fields.pop("config", {"location": "header", "parameter_name": "Token", "parameter_key": "Authorization",
                                   "token_prefix": "Bearer"})
    return Connector.objects.create(name=name, link_name=name.lower().replace(" ", "_"), builtin_key=name.lower(),
                                    category=category, auth_type=auth_type, config=config, stage=stage, **fields)


def connections_of(user, count, connector):
    for number in range(count):
        Connection.objects.create(connector=connector, owner=user, name=f"Conn {number}", link_name=f"conn_{number}",
                                  status=Connection.Status.CONNECTED, secrets={"token": "x"})


class TestMicroservices:
    @pytest.mark.parametrize("count,cards,view_more", [(0, 0, False), (1, 1, False), (3, 3, False), (4, 3, True)])
    def test_connections_section(self, client, end_user, count, cards, view_more):
        connections_of(end_user, count, builtin("Notes"))
        client.force_login(end_user)
        page = client.get(reverse("microservices")).content.decode()
        assert page.count('data-testid="connection-card"') == cards
        assert ("View More" in page) is view_more
        assert "+Create New" in page and "Pick &amp; Create" in page
        assert "Manage Custom Connectors" not in page  # end users do not build

    def test_builders_get_manage_custom_connectors(self, builder_client):
        assert "Manage Custom Connectors" in builder_client.get(reverse("microservices")).content.decode()

    def test_query_count_is_flat(self, client, end_user, django_assert_max_num_queries):
        connections_of(end_user, 30, builtin("Notes"))
        client.force_login(end_user)
        with django_assert_max_num_queries(8):
            client.get(reverse("microservices"))


class TestBuiltInConnectorsPage:
    def test_categories_cards_and_custom_category(self, builder_client, make_connector):
        builtin("Notes", "Productivity")
        builtin("Chat", "Communication")
        make_connector("My Own API")
        page = builder_client.get(reverse("builder:catalog")).content.decode()
        assert "Productivity" in page and "Communication" in page and "CUSTOM CONNECTOR" in page
        assert "Notes" in page and "Chat" in page and "My Own API" not in page

        custom = builder_client.get(reverse("builder:catalog"), {"category": "CUSTOM CONNECTOR"}).content.decode()
        assert "My Own API" in custom and "Notes" not in custom and "Create New Custom Connector" in custom
        assert "Add Connection" not in custom  # a Draft has none

        only_chat = builder_client.get(reverse("builder:catalog"), {"category": "Communication"}).content.decode()
        assert "Chat" in only_chat and "Notes" not in only_chat

    def test_custom_connector_first_one_create_action_and_a_skip_link(self, builder_client):
        builtin("Notes", "Productivity")
        for params in [{}, {"category": "CUSTOM CONNECTOR"}, {"category": "Productivity"}, {"q": "nothing"}]:
            page = builder_client.get(reverse("builder:catalog"), params).content.decode()
            pane = page[page.index('aria-label="Categories"'):page.index("</nav>", page.index('aria-label="Categories"'))]
            assert pane.index("CUSTOM CONNECTOR") < pane.index("All built-in") < pane.index("Productivity")
            assert page.count("Create New Custom Connector") + page.count("+Create Custom Connector") == 1, params
            assert '<a class="visually-hidden-focusable d-inline-block mb-2" href="#connector-cards">' in page
            assert 'id="connector-cards" tabindex="-1"' in page

    def test_search(self, builder_client):
        builtin("Notes", description="Keep notes and lists")
        builtin("Chat")
        found = builder_client.get(reverse("builder:catalog"), {"q": "lists"}).content.decode()
        assert "Notes" in found and "Chat" not in found

    def test_nothing_found_offers_create_custom_connector_with_the_text(self, builder_client):
        builtin("Notes")
        page = builder_client.get(reverse("builder:catalog"), {"q": "Zylker Books"}).content.decode()
        assert 'data-testid="nothing-found"' in page
        assert f'{reverse("builder:connector_create")}?name=Zylker%20Books' in page
        create = builder_client.get(reverse("builder:connector_create"), {"name": "Zylker Books"}).content.decode()
        assert 'value="Zylker Books"' in create

    def test_end_of_list_offers_create_custom_connector(self, builder_client):
        builtin("Notes")
        assert "+Create Custom Connector" in builder_client.get(reverse("builder:catalog")).content.decode()

    def test_end_users_see_no_create_links(self, client, end_user):
        builtin("Notes")
        client.force_login(end_user)
        page = client.get(reverse("builder:catalog"), {"q": "nothing"}).content.decode()
        assert "+Create Custom Connector" not in page


class TestPick:
    def test_ready_goes_to_add_connection(self, client, end_user):
        connector = builtin("Notes")
        client.force_login(end_user)
        response = client.get(reverse("builder:pick", args=[connector.pk]))
        assert response["Location"] == reverse("connections:add", args=[connector.pk])

    def test_end_user_is_told_an_admin_must_set_it_up(self, client, end_user):
        connector = builtin("Cloud Files", stage=Stage.DRAFT, auth_type="oauth2", config={})
        client.force_login(end_user)
        response = client.get(reverse("builder:pick", args=[connector.pk]))
        assert response.status_code == 409 and "An admin must set up" in response.content.decode()
        assert "own Client ID and Client Secret from the provider" in response.content.decode()
        assert client.post(reverse("builder:pick", args=[connector.pk])).status_code == 403
        assert Connector.objects.count() == 1

    @pytest.mark.parametrize("auth_type, words, callback", [
        ("oauth1", "Consumer Key and Consumer Secret", True), ("oauth2", "Client ID and Client Secret", True)])
    def test_a_builder_is_told_what_the_type_needs_from_them(self, builder_client, auth_type, words, callback):
        kind = registry.get(auth_type)
        config = {**example(auth_type).config, **dict.fromkeys(kind.admin_completes, "")}  # as a built-in
        connector = builtin("Cloud Files", stage=Stage.DRAFT, auth_type=auth_type, config=config)
        page = builder_client.get(reverse("builder:pick", args=[connector.pk])).content.decode()
        assert f"then enter its {words}." in page and ("callback URL" in page) is callback
        response = builder_client.post(reverse("builder:pick", args=[connector.pk]), follow=True)
        assert f"enter your {words} in Security" in response.content.decode()


def test_end_users_do_not_see_draft_custom_connectors(client, end_user, make_connector):
    make_connector("Secret Project")
    ready = make_connector("Shared API", stage=Stage.READY, auth_type="bearer",
                           config={"location": "header", "parameter_name": "Token", "parameter_key": "Authorization",
                                   "token_prefix": "Bearer"})
    client.force_login(end_user)
    for params in ({"category": "CUSTOM CONNECTOR"}, {"q": "project"}, {"q": "api"}):
        page = client.get(reverse("builder:catalog"), params).content.decode()
        assert "Secret Project" not in page
    assert "Shared API" in client.get(reverse("builder:catalog"), {"category": "CUSTOM CONNECTOR"}).content.decode()
    assert client.get(reverse("builder:pick", args=[ready.pk])).status_code == 302
