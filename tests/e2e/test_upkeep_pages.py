"""The pages of issue 10 in Chromium under the strict policy: the connection's health section and chart,
badges, the needs-attention filter, the notification settings and the webhook pages."""

import pytest
from playwright.sync_api import expect

from builder.models import Connector
from connections import services
from health import services as health
from tests.conftest import PASSWORD
from tests.connections.conftest import BEARER_CONFIG
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_health_notifications_and_webhooks_pages(page, make_user, httpbin_url):
    staff = make_user("ops", staff=True)
    connector = Connector.objects.create(name="Checked", link_name="checked", auth_type="bearer",
                                         config=BEARER_CONFIG, stage="ready", test_url=f"{httpbin_url}/status/503",
                                         created_by=staff, base_url=httpbin_url)
    connection = services.connection_create(connector=connector, owner=staff, name="Checked one",
                                            secrets={"token": "tok-123456"})
    health.check(connection)
    sign_in(page, "ops", PASSWORD)

    page.goto(connection.get_absolute_url())
    expect(page.get_by_test_id("health-state")).to_have_text("Degraded")
    expect(page.get_by_test_id("health-chart")).to_be_visible()
    page.goto("/")
    expect(page.get_by_test_id("needs-attention")).to_have_text("Needs attention (1)")
    page.get_by_test_id("needs-attention").click()
    expect(page.locator("#attention-filter")).to_be_checked()
    expect(page.get_by_test_id("health-badge")).to_have_text("Degraded")

    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="+Add Endpoint").click()
    page.get_by_label("URL").fill("https://hooks.example.com/in")
    page.get_by_label("A connection was created").check()
    page.get_by_role("button", name="Add Endpoint").click()
    expect(page.get_by_test_id("signing-secret")).to_contain_text("whsec_")
    page.get_by_role("link", name="Go to the endpoint").click()
    expect(page.get_by_role("button", name="Send test event")).to_be_visible()
