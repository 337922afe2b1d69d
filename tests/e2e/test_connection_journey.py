"""An end user adds a connection of each key-based type in the browser, tests it and uses the console."""

import pytest
from playwright.sync_api import expect

from builder.models import Connector, Stage
from connections.models import Connection
from tests.connections.conftest import BASIC_CONFIG, BEARER_CONFIG, api_key_config
from tests.conftest import PASSWORD
from tests.e2e.conftest import by_label, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def connector(name, auth_type, config, test_url, test_method="GET"):
    return Connector.objects.create(name=name, link_name=name.lower().replace(" ", "_"), auth_type=auth_type,
                                    config=config, stage=Stage.READY, test_url=test_url, test_method=test_method)


def journeys(httpbin_url, moto_server):
    key_id, secret = moto_server.create_user_key()
    return {
        "basic": (connector("Zylker Basic", "basic", BASIC_CONFIG, f"{httpbin_url}/basic-auth/maria/pw-canary-1"),
                  {"Account": "maria", "Secret word": "pw-canary-1"}, f"{httpbin_url}/headers", "Basic ••••••••"),
        "api_key": (connector("Zylker Keys", "api_key", api_key_config(("API Key", "X-API-Key", "header"),
                                                                        ("Account", "account", "query")),
                              f"{httpbin_url}/anything"),
                    {"API Key": "key-canary-2", "Account": "acct-canary-3"}, f"{httpbin_url}/anything", "••••••••"),
        "bearer": (connector("Zylker Bearer", "bearer", BEARER_CONFIG, f"{httpbin_url}/bearer"),
                   {"Access Token": "tok-canary-4"}, f"{httpbin_url}/headers", "Bearer ••••••••"),
        "aws_sigv4": (connector("Zylker S3", "aws_sigv4", {"service": "s3", "region": moto_server.region},
                                f"{moto_server.url}/"),
                      {"Access Key ID": key_id, "Secret Access Key": secret}, f"{moto_server.url}/",
                      "ListAllMyBucketsResult"),
    }


@pytest.mark.parametrize("key", ["basic", "api_key", "bearer", "aws_sigv4"])
def test_add_test_and_call(page, screenshot, make_user, httpbin_url, moto_server, key):
    make_user("jo")
    target, values, console_url, expected = journeys(httpbin_url, moto_server)[key]
    sign_in(page, "jo", PASSWORD)

    # The help page's path: Microservices → +Create New → Connection → Pick & Create → CUSTOM CONNECTOR.
    page.get_by_role("link", name="Microservices").first.click()
    page.get_by_role("button", name="+Create New").click()
    page.get_by_label("Connection").check()
    page.get_by_role("button", name="Pick & Create").click()
    page.get_by_label("Categories").get_by_role("link", name="CUSTOM CONNECTOR").click()
    page.get_by_test_id("catalog-card").filter(has_text=target.name).get_by_role("link", name="Add Connection").click()
    by_label(page, "Connection Name").fill(f"My {target.name}")
    for label, value in values.items():
        by_label(page, label).fill(value)
    # A secret field can be shown to check what was typed, and hidden again.
    secret = page.locator(f'[id="{page.locator("input[type=password]").first.get_attribute("id")}"]')
    page.get_by_role("button", name="Show").first.click()
    assert secret.get_attribute("type") == "text"
    assert page.get_by_role("button", name="Hide").first.get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="Hide").first.click()
    assert secret.get_attribute("type") == "password"
    screenshot(f"connection-{key}-1-add")
    page.get_by_role("button", name="Connect").click()

    assert page.get_by_test_id("connection-status").inner_text() == "Connected"
    assert "Test passed" in page.get_by_test_id("last-test").inner_text()
    page.get_by_role("button", name="Test").click()
    assert "Test passed" in page.get_by_test_id("last-test").inner_text()

    by_label(page, "URL").fill(console_url)
    page.get_by_role("button", name="Send").click()
    assert page.get_by_test_id("response-status").inner_text().startswith("200")
    assert expected in page.locator("#console-result").inner_text()
    assert page.get_by_test_id("curl-command").inner_text().startswith("curl ")
    page.get_by_role("button", name="Copy as curl").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()  # the clipboard answers later
    assert page.get_by_test_id("recent-requests").get_by_role("link").count() == 1
    screenshot(f"connection-{key}-2-console")

    content = page.content()
    for label, value in values.items():
        if label != "Access Key ID" and label != "Account" or key == "api_key":
            assert value not in content, label
    assert Connection.objects.get().last_status == 200
