"""Provider facts the catalog once had wrong (issue 8 item 12); sources in builder/catalog/README.md."""

import json
import shutil
from urllib.parse import urlsplit

import pytest

from auth_types.variables import fill_scope
from builder.catalog import CATALOG_DIR, load_builtin_connectors
from builder.models import Connector


def connector(key):
    return json.loads((CATALOG_DIR / f"{key}.json").read_text(encoding="utf-8"))["connector"]


def test_twilios_test_request_is_one_a_standard_api_key_may_make():
    twilio = connector("twilio")
    url = urlsplit(twilio["test_request"]["url"])
    assert "Standard API key" in twilio["description"]
    # A Standard key may not read the Accounts and Keys resources (a Main key may).
    assert not any(part in ("Accounts", "Accounts.json", "Keys") for part in url.path.split("/"))
    assert url.hostname.endswith(".twilio.com") and "https://*.twilio.com" in twilio["api_origins"]


def test_hubspot_uses_the_current_oauth_endpoints_not_the_legacy_v1_ones():
    config = connector("hubspot")["config"]
    assert (config["token_url"], config["revoke_url"]) == (
        "https://api.hubapi.com/oauth/2026-03/token", "https://api.hubapi.com/oauth/2026-03/token/revoke")
    assert config["expiry_seconds"] == 1800


def test_admin_created_shopify_custom_apps_are_said_to_be_legacy():
    shopify = connector("shopify")
    assert "legacy" in shopify["name"] and "none can be created since January 1, 2026" in shopify["description"]


def test_notion_says_that_it_issues_refresh_tokens():
    notion = connector("notion")
    assert "refresh token" in notion["description"] and notion["config"]["token_url"].endswith("/v1/oauth/token")


def test_built_ins_use_the_capabilities_their_providers_need():
    telegram = connector("telegram_bot")
    assert telegram["config"]["parameters"][0]["location"] == "path"
    assert telegram["base_url"] == "https://api.telegram.org/bot{token}" and telegram["test_request"]["url"] == "/getMe"
    square = connector("square_oauth")["config"]
    assert (square["token_body"], square["expiry_field"], square["expiry_format"]) == ("json", "expires_at", "timestamp")
    for key, variable in (("shopify_oauth", "shop"), ("zendesk_oauth", "subdomain"), ("okta", "okta_org")):
        found = connector(key)
        assert f"{{{variable}}}" in found["base_url"] and variable in [v["name"] for v in found["variables"]]
    salesforce = connector("salesforce")
    assert salesforce["base_url"] == "{instance_url}"
    assert salesforce["variables"][0]["kind"] == "token" and salesforce["variables"][0]["token_field"] == "instance_url"


@pytest.mark.django_db
def test_dynamics_365_fills_the_environment_into_its_scope_and_urls(tmp_path):
    shutil.copy(CATALOG_DIR / "dynamics_365.json", tmp_path)
    load_builtin_connectors(tmp_path)
    dynamics = Connector.objects.get(builtin_key="dynamics_365")
    assert [d["name"] for d in dynamics.variables] == ["org"] and dynamics.placeholder_problems() == []
    assert [fill_scope(scope.value, dynamics.variables, {"org": "contoso"}) for scope in dynamics.scopes.all()] == [
        "https://contoso.crm.dynamics.com/user_impersonation", "offline_access"]
    assert dynamics.filled(dynamics.test_url, {"org": "contoso"}) == \
        "https://contoso.crm.dynamics.com/api/data/v9.2/WhoAmI"
    assert dynamics.kind_config_with({"org": "contoso"})["authorization_url"] == \
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize"
