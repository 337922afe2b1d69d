"""An end user adds a connection whose connector has a connection variable ({shop}), in the browser."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from builder.models import Connector, Stage
from connections.models import Connection
from tests.conftest import PASSWORD
from tests.connections.conftest import api_key_config
from tests.e2e.conftest import by_label, sign_in
from tests.peers.shops import start_shops

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shops():
    provider, stop = start_shops()
    yield provider
    stop()


def test_the_shop_is_asked_checked_stored_and_shown(page, screenshot, make_user, shops, live_server):
    make_user("jo")
    connector = Connector.objects.create(
        name="Zylker Shops", link_name="zylker_shops", auth_type="api_key", stage=Stage.READY,
        config=api_key_config(("Shop Key", "X-Shop-Key", "header")), base_url=f"{shops.base_url}/shops/{{shop}}",
        test_url="/keyed/me",
        variables=[{"name": "shop", "label": "Shop", "help": "The name in your shop's address.", "kind": "dns_label"}])
    sign_in(page, "jo", PASSWORD)
    page.goto(live_server.url + reverse("connections:add", args=[connector.pk]))

    expect(page.get_by_text("The name in your shop's address.")).to_be_visible()
    by_label(page, "Connection Name").fill("My shop")
    by_label(page, "Shop").fill("evil.com/")
    by_label(page, "Shop Key").fill(shops.keys["alpha"])
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("#id_var-shop.is-invalid")).to_be_visible()
    expect(page.get_by_text("Use letters, digits and hyphens only").first).to_be_visible()
    screenshot("variables-1-refused")
    assert not Connection.objects.exists() and shops.requests == []

    by_label(page, "Shop").fill("alpha")
    by_label(page, "Shop Key").fill(shops.keys["alpha"])
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_test_id("connection-variables")).to_have_text("Shop: alpha")
    expect(page.get_by_test_id("last-test")).to_contain_text("Test passed")
    screenshot("variables-2-connected")
    assert shops.requests == [("alpha", "keyed/me")]
