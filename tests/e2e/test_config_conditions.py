"""Fields shown on a condition, in a real browser: OAuth2's grant, and a form with several controlling fields."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from auth_types import registry
from builder.models import Connector
from tests.auth_types.conditions import Conditions
from tests.conftest import PASSWORD
from tests.e2e.conftest import by_label, sign_in
from tests.e2e.test_builder_journey import open_advanced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REDIRECT_FLOW_FIELDS = ("Authorization URL", "Revoke Token URL", "Refresh Token URL", "Use PKCE (S256)", "Issuer",
                        "The server always sends iss")


def open_security(page, make_user, label):
    make_user("maria", builder=True)
    connector = Connector.objects.create(name="Zylker", link_name="zylker")
    sign_in(page, "maria", PASSWORD)
    page.goto(reverse("builder:security", args=[connector.pk]))
    page.locator("label.btn", has_text=label).first.click()
    return connector


def shown(panel, labels, *, only=None):
    """Expect exactly `only` of `labels` to be visible (all of them when `only` is None), the rest hidden.

    The "Advanced" group, when the panel has one, is opened first (it starts collapsed).
    """
    open_advanced(panel)
    for label in labels:
        if only is None or label in only:
            expect(by_label(panel, label)).to_be_visible()
        else:
            expect(by_label(panel, label)).to_be_hidden()


def test_oauth2_client_credentials_hides_the_redirect_flow_fields(page, make_user):
    connector = open_security(page, make_user, "OAuth2")
    panel = page.locator('section[data-auth-type="oauth2"]')
    shown(panel, REDIRECT_FLOW_FIELDS)
    by_label(panel, "Authorization URL").fill("ftp://left.over/from-before")
    by_label(panel, "Grant Type").select_option(label="Client Credentials")
    shown(panel, REDIRECT_FLOW_FIELDS, only=())
    shown(panel, ("Token URL", "Client Secret"))

    by_label(panel, "Client ID").fill("machine")
    by_label(panel, "Client Secret").fill("machine-secret")
    by_label(panel, "Token URL").fill("https://api.example.com/oauth2/token")
    page.get_by_role("button", name="Save & Continue").click()
    expect(page.get_by_text("Authentication parameters saved.")).to_be_visible()
    connector.refresh_from_db()
    assert connector.config["grant_type"] == "client_credentials" and connector.config["authorization_url"] == ""

    page.goto(reverse("builder:security", args=[connector.pk]))
    panel = page.locator('section[data-auth-type="oauth2"]')
    shown(panel, REDIRECT_FLOW_FIELDS, only=())  # as stored, on load
    by_label(panel, "Grant Type").select_option(label="Authorization Code")
    shown(panel, REDIRECT_FLOW_FIELDS)


@pytest.fixture
def conditions_type(monkeypatch):
    monkeypatch.setattr(registry, "_TYPES", {**registry._TYPES, Conditions.key: Conditions()})


CONDITIONAL = ("Only B", "B Secret", "B or C with Extra", "Detail On", "Detail")


def test_any_number_of_controlling_fields_and_a_field_behind_another(page, make_user, conditions_type):
    open_security(page, make_user, "Conditions")
    panel = page.locator('section[data-auth-type="zz_conditions"]')
    shown(panel, CONDITIONAL, only=())  # mode A

    by_label(panel, "Mode").select_option(label="Mode B")
    shown(panel, CONDITIONAL, only=("Only B", "B Secret"))
    by_label(panel, "Extra").check()
    shown(panel, CONDITIONAL, only=("Only B", "B Secret", "B or C with Extra"))

    by_label(panel, "Mode").select_option(label="Mode C")
    by_label(panel, "Detail On").check()
    shown(panel, CONDITIONAL, only=("B or C with Extra", "Detail On", "Detail"))
    # Detail On stays checked, but hidden in mode A: Detail, behind it, hides too.
    by_label(panel, "Mode").select_option(label="Mode A")
    shown(panel, CONDITIONAL, only=())
    expect(by_label(panel, "Detail On")).to_be_checked()
