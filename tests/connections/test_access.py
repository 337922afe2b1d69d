"""Who may see, test, call, change and delete a connection: its owner only (and staff, in the admin)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.shortcuts import resolve_url
from django.urls import reverse

from builder.models import Stage
from connections import services, urls
from connections.models import Connection, ConnectionEvent
from tests.connections.conftest import BEARER_CONFIG

pytestmark = pytest.mark.django_db

ALICE_TOKEN = "alice-token-CANARY-4d1e"
BOB_TOKEN = "bob-token-CANARY-9b2c"


@pytest.fixture
def bearer_connector(ready_connector, httpbin_url):
    return ready_connector("Zylker Bearer", "bearer", BEARER_CONFIG, test_url=f"{httpbin_url}/bearer")


@pytest.fixture
def alice_connection(make_user, bearer_connector):
    """Another user's connection, as the signed-in end user must never reach it."""
    alice = make_user("alice")
    return services.connection_create(connector=bearer_connector, owner=alice, name="Alice Zylker",
                                      secrets={"token": ALICE_TOKEN})


def connection_urls(httpbin_url):
    """Every connection URL with the method and data a real use of it sends."""
    return [
        ("get", "detail", None),
        ("post", "console", {"method": "GET", "url": f"{httpbin_url}/anything", "body_type": "none"}),
        ("post", "test", {}),
        ("post", "toggle", {}),
        ("get", "rename", None),
        ("post", "rename", {"name": "Taken over"}),
        ("get", "credentials", None),
        ("post", "credentials", {"cred-token": "attacker-token"}),
        ("get", "delete", None),
        ("post", "delete", {}),
    ]


URL_IDS = ["detail", "console", "test", "toggle", "rename-get", "rename-post", "values-get", "values-post",
           "delete-get", "delete-post"]


def connection_url_patterns():
    """Return the URL patterns of one connection (those taking its link name)."""
    return [pattern for pattern in urls.urlpatterns if "link_name" in pattern.pattern.converters]


def login_url():
    return resolve_url(settings.LOGIN_URL)


def snapshot(connection):
    connection = Connection.objects.get(pk=connection.pk)
    return {
        "name": connection.name, "enabled": connection.enabled, "status": connection.status,
        "secrets": connection.secrets, "last_used_at": connection.last_used_at,
        "last_test_at": connection.last_test_at, "events": list(connection.events.values_list("action", flat=True)),
    }


class TestOtherUsersConnection:
    @pytest.mark.parametrize("index", range(len(URL_IDS)), ids=URL_IDS)
    def test_is_a_404_and_nothing_happens(self, index, user_client, alice_connection, httpbin_url):
        method, name, data = connection_urls(httpbin_url)[index]
        before = snapshot(alice_connection)
        url = reverse(f"connections:{name}", args=[alice_connection.link_name])

        response = getattr(user_client, method)(url, data)

        assert response.status_code == 404
        assert ALICE_TOKEN not in response.content.decode()
        after = snapshot(alice_connection)
        assert after == before
        # No request went out: a use or a test would have stamped these.
        assert after["last_used_at"] is None and after["last_test_at"] is None
        assert ConnectionEvent.objects.count() == 1

    def test_every_connection_url_is_covered(self, user_client, alice_connection, httpbin_url):
        """A URL added later that takes a link name must refuse another user's connection too."""
        before = snapshot(alice_connection)
        patterns = connection_url_patterns()
        assert {name for _, name, _ in connection_urls(httpbin_url)} <= {pattern.name for pattern in patterns}
        for pattern in patterns:
            url = reverse(f"connections:{pattern.name}", args=[alice_connection.link_name])
            for method in ("get", "post"):
                status = getattr(user_client, method)(url, {}).status_code
                # 405: the view takes no such method, before it looks at any connection.
                assert status in (404, 405), (url, method, status)
        assert snapshot(alice_connection) == before

    def test_is_not_listed(self, user_client, alice_connection, bearer_connector, end_user):
        own = services.connection_create(connector=bearer_connector, owner=end_user, name="My Zylker",
                                         secrets={"token": BOB_TOKEN})
        for url in (reverse("connections:list"), reverse("microservices")):
            page = user_client.get(url).content.decode()
            assert own.get_absolute_url() in page
            assert alice_connection.name not in page and alice_connection.get_absolute_url() not in page

    def test_staff_reach_it_only_in_the_admin(self, client, staff_user, alice_connection):
        client.force_login(staff_user)
        assert client.get(alice_connection.get_absolute_url()).status_code == 404
        assert alice_connection.name not in client.get(reverse("connections:list")).content.decode()

    def test_a_missing_link_name_is_a_404_too(self, user_client):
        assert user_client.get(reverse("connections:detail", args=["nope"])).status_code == 404


class TestAnonymous:
    @pytest.mark.parametrize("index", range(len(URL_IDS)), ids=URL_IDS)
    def test_connection_urls_send_to_login(self, index, client, alice_connection, httpbin_url):
        method, name, data = connection_urls(httpbin_url)[index]
        before = snapshot(alice_connection)
        url = reverse(f"connections:{name}", args=[alice_connection.link_name])
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(login_url()) and "next=" in response["Location"]
        assert snapshot(alice_connection) == before

    def test_every_connection_url_sends_to_login(self, client, alice_connection):
        """Reauthorize among them: it looked the connection up before asking who was signed in (a 500)."""
        before = snapshot(alice_connection)
        for pattern in connection_url_patterns():
            url = reverse(f"connections:{pattern.name}", args=[alice_connection.link_name])
            for method in ("get", "post"):
                response = getattr(client, method)(url, {})
                assert response.status_code == 302, (url, method, response.status_code)
                assert response["Location"].startswith(login_url())
        assert snapshot(alice_connection) == before

    def test_list_and_microservices_send_to_login(self, client):
        for url in (reverse("connections:list"), reverse("microservices")):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(login_url())

    @pytest.mark.parametrize("stage", [Stage.READY, Stage.DRAFT])
    def test_add_sends_to_login_whatever_the_stage(self, client, bearer_connector, stage):
        # A 404 for a Draft connector would tell strangers which connectors exist.
        bearer_connector.stage = stage
        bearer_connector.save(update_fields=["stage"])
        url = reverse("connections:add", args=[bearer_connector.pk])
        for response in (client.get(url), client.post(url, {"name": "x", "cred-token": "t"})):
            assert response.status_code == 302 and response["Location"].startswith(login_url())
        assert not Connection.objects.exists()


class TestAddConnectionNeedsReady:
    def test_a_draft_connectors_add_url_is_a_404(self, user_client, make_connector):
        draft = make_connector("Zylker Draft", auth_type="bearer", config=BEARER_CONFIG)
        url = reverse("connections:add", args=[draft.pk])
        assert user_client.get(url).status_code == 404
        assert user_client.post(url, {"name": "Mine", "cred-token": "tok-12345"}).status_code == 404
        assert not Connection.objects.exists()

    def test_an_unknown_connector_is_a_404(self, user_client):
        assert user_client.get(reverse("connections:add", args=[999999])).status_code == 404

    def test_the_builder_shows_add_connection_only_once_ready(self, builder_client, make_connector):
        connector = make_connector("Zylker Draft", auth_type="bearer", config=BEARER_CONFIG)
        add_url = reverse("connections:add", args=[connector.pk])
        page = builder_client.get(reverse("builder:general", args=[connector.pk])).content.decode()
        assert "Mark as Ready" in page and "Add Connection" not in page and add_url not in page

        connector.stage = Stage.READY
        connector.save(update_fields=["stage"])
        page = builder_client.get(reverse("builder:general", args=[connector.pk])).content.decode()
        assert "Add Connection" in page and add_url in page

    def test_pick_and_create_offers_add_connection_only_on_ready_connectors(self, user_client, make_connector,
                                                                            bearer_connector):
        draft = make_connector("Zylker Draft", auth_type="bearer", config=BEARER_CONFIG)
        page = user_client.get(reverse("builder:catalog"), {"category": "CUSTOM CONNECTOR"}).content.decode()
        assert "Zylker Draft" not in page  # a Draft is the builders' work in progress
        assert reverse("connections:add", args=[bearer_connector.pk]) in page
        assert reverse("connections:add", args=[draft.pk]) not in page


class TestAdmin:
    @pytest.fixture
    def staff_client(self, client, staff_user):
        staff_user.user_permissions.add(*Permission.objects.filter(
            content_type__app_label="connections", codename__startswith="view_"))
        client.force_login(staff_user)
        return client

    @pytest.fixture
    def connections(self, alice_connection, bearer_connector, end_user):
        bob = services.connection_create(connector=bearer_connector, owner=end_user, name="Bob Zylker",
                                         secrets={"token": BOB_TOKEN})
        return [alice_connection, bob]

    def test_changelist_shows_every_users_connections(self, staff_client, connections):
        page = staff_client.get(reverse("admin:connections_connection_changelist")).content.decode()
        for connection in connections:
            assert connection.name in page and connection.owner.username in page
        assert ALICE_TOKEN not in page and BOB_TOKEN not in page

    def test_change_page_masks_the_stored_values(self, staff_client, connections):
        for connection in connections:
            response = staff_client.get(reverse("admin:connections_connection_change", args=[connection.pk]))
            page = response.content.decode()
            assert response.status_code == 200
            assert connection.name in page and "token: ••••••••" in page
            assert ALICE_TOKEN not in page and BOB_TOKEN not in page

    def test_end_users_cannot_open_the_admin(self, user_client, connections):
        response = user_client.get(reverse("admin:connections_connection_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
