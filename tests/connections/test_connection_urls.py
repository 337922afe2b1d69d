"""The connection page's links to its other pages (connections.views.connection_urls): what {% url %} gives,
reversed once per process, URLconf and script prefix."""

import pytest
from django.urls import reverse, set_script_prefix

from connections import services
from connections.views import CONNECTION_PAGES, connection_urls, url_for_arg
from tests.connections.conftest import BEARER_CONFIG

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefix", ["/", "/under/a/prefix/"])
def test_the_same_addresses_as_reverse(prefix):
    set_script_prefix(prefix)
    try:
        for link_name in ("shop", "sales-team_2"):
            assert connection_urls(link_name) == {
                name: reverse(f"connections:{name}", args=[link_name]) for name in CONNECTION_PAGES}
        assert url_for_arg("builder:logo", 2147483647)(42) == reverse("builder:logo", args=[42])
    finally:
        set_script_prefix("/")


def test_the_page_links_to_them(user_client, ready_connector, end_user):
    connector = ready_connector("Links", "bearer", BEARER_CONFIG, base_url="https://api.example.com")
    connection = services.connection_create(connector=connector, owner=end_user, name="Links",
                                            secrets={"token": "tok-links-1"})
    html = user_client.get(connection.get_absolute_url()).content.decode()
    for name in ("test", "toggle", "rename", "credentials", "delete"):
        assert f'"{reverse(f"connections:{name}", args=[connection.link_name])}"' in html, name

