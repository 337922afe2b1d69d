"""The help page's path from the Microservices tab through Pick & Create, with built-in connectors."""

import json

import pytest
from playwright.sync_api import expect

from builder.catalog import load_builtin_connectors
from builder.models import Connector, Stage
from connections.models import Connection
from tests.conftest import PASSWORD
from tests.e2e.conftest import by_label, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sandbox_catalog(tmp_path, httpbin_url):
    """A one-service catalog pointing at the local httpbin (the real catalog's APIs are not reachable here)."""
    document = {"format": "custom-connectors.connector", "version": 1, "connector": {
        "name": "Sandbox Echo", "link_name": "sandbox_echo", "description": "An echo service for trying connections.",
        "category": "Developer Tools", "documentation_url": "https://httpbin.org/",
        "auth_type": "bearer", "config": {"location": "header", "parameter_name": "Access Token",
                                          "parameter_key": "Authorization", "token_prefix": "Bearer"},
        "scope_delimiter": ",", "scopes": [], "test_request": {"method": "GET", "url": f"{httpbin_url}/bearer"}}}
    (tmp_path / "sandbox_echo.json").write_text(json.dumps(document))
    load_builtin_connectors(tmp_path)


def pick_and_create(page):
    page.get_by_role("link", name="Microservices").first.click()
    page.get_by_role("button", name="+Create New").click()
    page.get_by_label("Connection").check()
    page.get_by_role("button", name="Pick & Create").click()


def test_end_user_connects_through_a_builtin(page, screenshot, make_user, tmp_path, httpbin_url):
    load_builtin_connectors()
    sandbox_catalog(tmp_path, httpbin_url)
    make_user("jo")
    sign_in(page, "jo", PASSWORD)
    screenshot("hub-1-microservices-empty")
    pick_and_create(page)
    screenshot("hub-2-built-in-connectors")

    page.get_by_label("Search connectors").fill("echo")
    page.get_by_label("Search connectors").press("Enter")
    card = page.get_by_test_id("catalog-card").filter(has_text="Sandbox Echo")
    card.get_by_role("link", name="Add Connection").click()
    by_label(page, "Access Token").fill("tok-from-the-hub")
    screenshot("hub-3-add-connection")
    page.get_by_role("button", name="Connect").click()
    assert "Test passed" in page.get_by_test_id("last-test").inner_text()

    page.get_by_role("link", name="Microservices").first.click()
    expect(page.get_by_test_id("connection-card").filter(has_text="Sandbox Echo")).to_be_visible()
    screenshot("hub-4-microservices-with-connection")

    # A built-in that needs the admin's own OAuth client: end users are told so.
    pick_and_create(page)
    page.get_by_label("Categories").get_by_role("link", name="Developer Tools").click()
    page.get_by_test_id("catalog-card").filter(has_text="GitHub").get_by_role("link", name="Set up").click()
    expect(page.get_by_text("An admin must set up GitHub first")).to_be_visible()


def test_nothing_found_leads_to_create_custom_connector(page, screenshot, make_user):
    load_builtin_connectors()
    make_user("maria", builder=True)
    sign_in(page, "maria", PASSWORD)
    pick_and_create(page)
    page.get_by_label("Search connectors").fill("Zylker Books")
    page.get_by_label("Search connectors").press("Enter")
    expect(page.get_by_test_id("nothing-found")).to_be_visible()
    screenshot("hub-5-nothing-found")
    page.get_by_role("link", name="+Create Custom Connector").click()
    assert by_label(page, "Connector Name").input_value() == "Zylker Books"


def test_builder_sets_up_an_oauth_builtin(page, screenshot, make_user):
    load_builtin_connectors()
    make_user("maria", builder=True)
    sign_in(page, "maria", PASSWORD)
    pick_and_create(page)
    page.get_by_label("Search connectors").fill("GitHub")
    page.get_by_label("Search connectors").press("Enter")
    page.get_by_test_id("catalog-card").filter(has_text="GitHub").get_by_role("link", name="Set up").click()
    screenshot("hub-6-set-up-builtin")
    page.get_by_role("button", name="Create my GitHub connector").click()

    panel = page.locator('section[data-auth-type="oauth2"]')
    assert by_label(panel, "Token URL").input_value() == "https://github.com/login/oauth/access_token"
    by_label(panel, "Client ID").fill("Iv1.my-own-app")
    by_label(panel, "Client Secret").fill("my-own-secret")
    screenshot("hub-7-builtin-security")
    page.get_by_role("button", name="Save & Continue").click()
    page.get_by_role("button", name="Save & Continue").click()  # OAuth Scopes, prefilled by the catalog
    page.get_by_role("button", name="Mark as Ready").click()
    assert page.get_by_test_id("stage").inner_text() == "Ready"
    mine = Connector.objects.get(builtin_key="", name="GitHub")
    assert mine.stage == Stage.READY and mine.scopes.exists()
    assert Connector.objects.get(builtin_key="github").stage == Stage.DRAFT  # the catalog entry stays pristine
    assert not Connection.objects.exists()
