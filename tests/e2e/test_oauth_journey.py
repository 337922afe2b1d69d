"""OAuth in a real browser: the provider's own login and consent pages, then call, refresh, revoke."""

import pytest
from playwright.sync_api import expect

from builder.models import Connector, Scope, Stage
from connections.models import Connection
from tests.conftest import PASSWORD
from tests.e2e.conftest import by_label, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def oauth2_connector(peer, live_server):
    connector = Connector.objects.create(
        name="Sandbox OAuth2", link_name="sandbox_oauth2", auth_type="oauth2", stage=Stage.READY,
        scope_delimiter=" ", test_url=peer.resource_url, secrets={"client_secret": peer.client_secret},
        config={"grant_type": "authorization_code", "client_id": peer.client_id, "client_auth": "client_secret_basic",
                "authorization_url": peer.authorize_url, "token_url": peer.token_url, "revoke_url": peer.revoke_url,
                "refresh_url": "", "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": True, "issuer": ""})
    Scope.objects.create(connector=connector, name="Read your profile", value="read")
    Scope.objects.create(connector=connector, name="Change your data", value="write")
    peer.add_redirect_uri(f"{live_server.url}{connector.callback_path()}")
    return connector


def oauth1_connector(peer):
    return Connector.objects.create(
        name="Sandbox OAuth1", link_name="sandbox_oauth1", auth_type="oauth1", stage=Stage.READY,
        test_url=peer.resource_url, secrets={"consumer_secret": peer.consumer_secret},
        config={"consumer_key": peer.consumer_key, "request_token_url": peer.request_token_url,
                "authorization_url": peer.authorize_url, "token_url": peer.access_token_url,
                "revoke_url": peer.revoke_url, "signature_method": "HMAC-SHA1"})


def call_from_console(page, url):
    by_label(page, "URL").fill(url)
    page.get_by_role("button", name="Send").click()
    return page.get_by_test_id("response-status").inner_text()


def test_oauth2_consent_call_refresh_revoke(page, screenshot, make_user, live_server, oauth2_provider):
    oauth2_provider.set_access_token_ttl(3600)
    connector = oauth2_connector(oauth2_provider, live_server)
    make_user("jo")
    sign_in(page, "jo", PASSWORD)
    page.goto(f"/connections/add/{connector.pk}/")
    page.get_by_label("Change your data (write)").uncheck()
    screenshot("oauth2-1-authorize")
    page.get_by_role("button", name="Authorize").click()

    # The provider's own pages: sign in, then consent.
    page.locator("input[name=username]").fill(oauth2_provider.username)
    page.locator("input[name=password]").fill(oauth2_provider.password)
    screenshot("oauth2-2-provider-login")
    page.locator("input[type=submit], button[type=submit]").first.click()
    screenshot("oauth2-3-provider-consent")
    page.locator("input[name=allow], button[name=allow]").first.click()

    assert page.get_by_test_id("connection-status").inner_text() == "Connected"
    assert "Test passed" in page.get_by_test_id("last-test").inner_text()
    assert "scopes: read" in page.get_by_test_id("token-expiry").inner_text()
    assert call_from_console(page, oauth2_provider.resource_url).startswith("200")
    screenshot("oauth2-4-connected")

    first_token = Connection.objects.get().secrets["access_token"]
    page.get_by_role("button", name="Refresh now").click()
    expect(page.get_by_text("Token refreshed.")).to_be_visible()
    assert Connection.objects.get().secrets["access_token"] != first_token

    page.get_by_role("button", name="Disconnect").click()
    page.get_by_role("dialog").get_by_role("button", name="Disconnect").click()
    expect(page.get_by_test_id("connection-status")).to_have_text("Revoked")  # the form is sent after the dialog closes
    expect(page.get_by_role("link", name="Reauthorize")).to_be_visible()
    screenshot("oauth2-5-revoked")


def test_oauth2_denied_then_try_again(page, make_user, live_server, oauth2_provider):
    connector = oauth2_connector(oauth2_provider, live_server)
    make_user("jo")
    sign_in(page, "jo", PASSWORD)
    page.goto(f"/connections/add/{connector.pk}/")
    page.get_by_role("button", name="Authorize").click()
    page.locator("input[name=username]").fill(oauth2_provider.username)
    page.locator("input[name=password]").fill(oauth2_provider.password)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.locator("input[type=submit][value=Cancel]").click()  # deny on the consent page

    expect(page.get_by_role("alert").filter(has_text="Sandbox OAuth2")).to_be_visible()
    page.get_by_role("button", name="Try again").click()
    page.locator("input[name=allow], button[name=allow]").first.click()
    assert page.get_by_test_id("connection-status").inner_text() == "Connected"


def test_oauth1_authorize_call_revoke(page, screenshot, make_user, oauth1_provider):
    connector = oauth1_connector(oauth1_provider)
    make_user("jo")
    sign_in(page, "jo", PASSWORD)
    page.goto(f"/connections/add/{connector.pk}/")
    page.get_by_role("button", name="Authorize").click()
    screenshot("oauth1-1-provider")
    page.get_by_role("button", name="Authorize").click()

    assert page.get_by_test_id("connection-status").inner_text() == "Connected"
    assert "Test passed" in page.get_by_test_id("last-test").inner_text()
    assert call_from_console(page, oauth1_provider.resource_url).startswith("200")
    screenshot("oauth1-2-connected")
    page.get_by_role("button", name="Disconnect").click()
    page.get_by_role("dialog").get_by_role("button", name="Disconnect").click()
    expect(page.get_by_test_id("connection-status")).to_have_text("Revoked")  # the form is sent after the dialog closes
