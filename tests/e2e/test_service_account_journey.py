"""An end user adds a service-account connection (OAuth2 JWT bearer) in the browser: they upload their
own JSON key file on Add Connection, the token is fetched without any provider page, and the console
calls the API. Against Authlib's authorization server on 127.0.0.1 (keys generated here).
"""

import secrets

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from auth_types.jwt_bearer import GRANT_TYPE
from builder.models import Connector, Scope, Stage
from connections.models import Connection
from tests.conftest import PASSWORD
from tests.e2e.conftest import by_label, sign_in
from tests.examples.jwt_bearer import google_key_file
from tests.peers.keys import public_pem, rsa_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_a_key_file_connect_and_call(page, screenshot, make_user, live_server, oauth2_authlib_provider,
                                           tmp_path):
    peer, key = oauth2_authlib_provider, rsa_key("browser-sa")
    email = f"svc-{secrets.token_hex(4)}@demo.iam.gserviceaccount.com"
    peer.register_client("none", public_key_pem=public_pem(key), jwt_issuer=email, grant_types=[GRANT_TYPE])
    connector = Connector.objects.create(
        name="Zylker Robots", link_name="zylker_robots", auth_type="jwt_bearer", stage=Stage.READY,
        config={"key_source": "connection", "token_url": peer.token_url, "issuer": "", "subject": "",
                "audience": "", "scope_placement": "both"},
        test_url=peer.resource_url, base_url=peer.base_url, scope_delimiter=" ")
    Scope.objects.create(connector=connector, name="Read", value="read")
    key_file = tmp_path / "service-account.json"
    key_file.write_text(google_key_file(key, email))
    make_user("jo")
    sign_in(page, "jo", PASSWORD)

    page.goto(f"{live_server.url}{reverse('connections:add', args=[connector.pk])}")
    by_label(page, "Connection Name").fill("My robot")
    page.get_by_label("Service Account Key File").set_input_files(key_file)
    screenshot("service-account-1-add")
    page.get_by_role("button", name="Connect").click()

    expect(page.get_by_test_id("connection-status")).to_have_text("Connected")
    expect(page.get_by_test_id("last-test")).to_contain_text("Test passed")
    by_label(page, "URL").fill("/api/me")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("response-status")).to_contain_text("200")
    expect(page.locator("#console-result")).to_contain_text(GRANT_TYPE)
    screenshot("service-account-2-console")

    content = page.content()
    assert email not in content and "PRIVATE KEY" not in content
    assert Connection.objects.get().secrets["service_account_key"].count(email) == 1
