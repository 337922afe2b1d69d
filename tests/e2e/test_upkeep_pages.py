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


def test_one_badge_when_health_repeats_the_status_and_a_test_is_one_activity_line(page, make_user, httpbin_url):
    owner = make_user("owner", staff=True)
    connector = Connector.objects.create(name="Healthy", link_name="healthy", auth_type="bearer",
                                         config=BEARER_CONFIG, stage="ready", test_url=f"{httpbin_url}/bearer",
                                         created_by=owner, base_url=httpbin_url)
    connection = services.connection_create(connector=connector, owner=owner, name="Healthy one",
                                            secrets={"token": "tok-123456"})
    health.check(connection)
    sign_in(page, "owner", PASSWORD)

    card = page.get_by_test_id("connection-card").filter(has_text="Healthy one")
    expect(card.locator(".badge")).to_have_count(1)
    expect(card.get_by_test_id("connection-status")).to_have_text("Connected")
    page.goto("/connections/")
    expect(page.locator(".list-group-item", has_text="Healthy one").locator(".badge")).to_have_count(1)

    page.goto(connection.get_absolute_url())
    page.get_by_role("button", name="Test").click()
    expect(page.get_by_test_id("last-test")).to_contain_text("Test passed")
    activity = page.locator("section[aria-labelledby=activity-title] li")
    expect(activity.filter(has_text="Tested")).to_have_count(1)
    expect(activity.filter(has_text="Called the API")).to_have_count(0)
