"""The API tokens page and the API's docs (Swagger UI from the package) in Chromium, under the site's CSP."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_token_is_created_shown_once_and_revoked(page, make_user, screenshot):
    make_user("jo")
    sign_in(page, "jo", PASSWORD)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Token name").fill("Nightly sync")
    page.get_by_role("checkbox", name=re.compile("^proxy")).check()
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token-text")).to_have_text(re.compile(r"^ccpat_[0-9a-f]{12}_\S{43}$"))
    screenshot("api_token_created")
    page.goto("/api-tokens/")
    expect(page.locator("#new-token-text")).to_have_count(0)
    row = page.get_by_role("row", name=re.compile("Nightly sync"))
    expect(row).to_contain_text("Active")
    row.get_by_role("button", name="Revoke").click()
    page.locator("#confirm-dialog-ok").click()
    expect(page.get_by_role("row", name=re.compile("Nightly sync"))).to_contain_text("Revoked")


def test_the_api_docs_render_from_local_assets_under_the_policy(page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto("/api/v1/docs")
    assert response.status == 200
    expect(page.get_by_text("Custom Connectors API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/connections").first).to_be_visible()
    base = page.url.split("/api/")[0]
    assert requested and all(url.startswith((base, "data:")) for url in requested), requested
