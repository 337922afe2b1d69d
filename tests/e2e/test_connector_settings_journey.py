"""In Chromium: a builder sets the health-check interval and the account identity field on the Security
page (builder.sections), sees a refusal beside the field, and sees the saved values when coming back."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from builder.models import Connector
from health.models import HealthPolicy
from reconnect.models import IdentityField
from tests.builder.conftest import configure
from tests.conftest import PASSWORD
from tests.e2e.conftest import by_label, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INTERVAL = "Check each connection every (minutes)"
IDENTITY = "Account identity field"


def test_a_builder_sets_the_interval_and_the_identity_field_on_security(page, make_user):
    builder = make_user("settings_builder", builder=True)
    connector = configure(Connector.objects.create(name="Checked CRM", link_name="checked_crm", created_by=builder),
                          "bearer")
    connector.test_url = "https://api.example.com/v1/me"
    connector.save()
    sign_in(page, "settings_builder", PASSWORD)
    page.goto(reverse("builder:security", args=[connector.pk]))

    expect(page.get_by_role("group", name="Health checks")).to_be_visible()
    by_label(page, INTERVAL).fill("3")
    by_label(page, IDENTITY).fill("$.user.email")
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.locator("#id_health_check_interval-minutes_error")).to_contain_text("Use 0 to turn checks off")
    expect(page.locator("#id_identity_field-path_error")).to_contain_text("without the leading $")
    expect(page.locator("#error-summary")).to_contain_text("2 problems")
    expect(by_label(page, INTERVAL)).to_have_value("3")  # what was typed is still there

    by_label(page, INTERVAL).fill("30")
    by_label(page, IDENTITY).fill("user.email")
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.get_by_text("Authentication parameters saved.")).to_be_visible()

    page.goto(reverse("builder:security", args=[connector.pk]))
    expect(by_label(page, INTERVAL)).to_have_value("30")
    expect(by_label(page, IDENTITY)).to_have_value("user.email")
    assert HealthPolicy.objects.get(connector=connector).interval_minutes == 30
    assert IdentityField.objects.get(connector=connector).path == "user.email"
