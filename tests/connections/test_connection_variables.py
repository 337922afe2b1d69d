"""Connection variables against a loopback provider serving two shops: each connection reaches its own shop,
and no value can send a call (or a credential) to another host than the template says."""

import pytest
import requests
from django.urls import reverse

from auth_types import variables
from builder.models import Connector, Scope, Stage
from builder.validators import link_name_from
from connections import services
from connections.errors import ConnectionUnavailable, DestinationRefused
from connections.models import Connection
from tests.connections.conftest import api_key_config
from tests.connections.oauth_helpers import callback_from, query
from tests.peers.shops import CLIENT_ID, CLIENT_SECRET, start_shops

pytestmark = pytest.mark.django_db

SHOP = {"name": "shop", "label": "Shop", "help": "The name in your shop's address.", "kind": "dns_label"}
# What must never leave the template's host: a host of its own, a subdomain, user info, an encoded slash...
EVIL = ["evil.com/", "a.b", "@", "x@evil.com", "%2f", "evil.com%2f", "x:1", "..", "a/b", "a?b", "a#b", "-a", "é",
        "a b", "a\\b", "x" * 64]


@pytest.fixture(scope="module")
def shops():
    provider, stop = start_shops()
    yield provider
    stop()


@pytest.fixture(autouse=True)
def fresh(shops):
    shops.requests.clear()
    shops.instance_url = None


def make(name, auth_type, config, *, base_url, definitions=(SHOP,), test_url="", secrets=None):
    return Connector.objects.create(
        name=name, link_name=link_name_from(name), auth_type=auth_type, config=config, secrets=secrets or {},
        stage=Stage.READY, base_url=base_url, test_url=test_url, variables=list(definitions))


def keyed(shops):
    return make("Shops Keys", "api_key", api_key_config(("Shop Key", "X-Shop-Key", "header")),
                base_url=f"{shops.base_url}/shops/{{shop}}", test_url="/keyed/me")


def add_keyed(client, connector, shop, key, name=None):
    return client.post(reverse("connections:add", args=[connector.pk]),
                       {"name": name or f"My {shop}", "var-shop": shop, "cred-header:X-Shop-Key": key})


class TestApiKeyShops:
    def test_each_connection_reaches_its_own_shop(self, user_client, shops):
        connector = keyed(shops)
        page = user_client.get(reverse("connections:add", args=[connector.pk])).content.decode()
        assert "Shop" in page and "The name in your shop&#x27;s address." in page

        for shop in ("alpha", "Beta"):
            response = add_keyed(user_client, connector, shop, shops.keys[shop.lower()])
            assert response.status_code == 302
        alpha, beta = Connection.objects.order_by("pk")
        assert (alpha.variables, beta.variables) == ({"shop": "alpha"}, {"shop": "beta"})
        assert alpha.last_test_ok and beta.last_test_ok, (alpha.last_test_message, beta.last_test_message)
        assert services.connection_request(alpha, "GET", "/keyed/me").json() == {"shop": "alpha"}
        assert services.connection_request(beta, "GET", "/keyed/me").json() == {"shop": "beta"}
        assert shops.requests == [("alpha", "keyed/me"), ("beta", "keyed/me")] * 2

        detail = user_client.get(alpha.get_absolute_url()).content.decode()
        assert "Shop: <code>alpha</code>" in detail

    def test_a_key_for_the_other_shop_fails_the_test(self, user_client, shops):
        add_keyed(user_client, keyed(shops), "alpha", shops.keys["beta"])
        assert not Connection.objects.get().last_test_ok

    @pytest.mark.parametrize("value", EVIL)
    def test_a_value_that_would_leave_the_template_is_refused(self, user_client, shops, value):
        response = add_keyed(user_client, keyed(shops), value, shops.keys["alpha"])
        assert response.status_code == 400 and not Connection.objects.exists()
        assert ("letters, digits and hyphens only" if len(value) < 64 else "at most 63 characters") in \
            response.content.decode()
        assert shops.requests == []

    @pytest.mark.parametrize("value", ["evil.com/", "a.b", "@", "%2f", "127.0.0.1:9"])
    def test_a_stored_value_that_would_leave_the_template_is_refused_before_sending(self, user_client, shops, value):
        add_keyed(user_client, keyed(shops), "alpha", shops.keys["alpha"])
        connection = Connection.objects.get()
        Connection.objects.filter(pk=connection.pk).update(variables={"shop": value})
        connection.refresh_from_db()
        shops.requests.clear()
        with pytest.raises(ConnectionUnavailable):
            services.connection_request(connection, "GET", "/keyed/me")
        assert shops.requests == []

    def test_edit_values_moves_the_connection_to_another_shop(self, user_client, shops):
        add_keyed(user_client, keyed(shops), "alpha", shops.keys["alpha"])
        connection = Connection.objects.get()
        url = reverse("connections:credentials", args=[connection.link_name])
        assert 'value="alpha"' in user_client.get(url).content.decode()
        refused = user_client.post(url, {"var-shop": "evil.com/", "cred-header:X-Shop-Key": ""})
        assert refused.status_code == 400
        user_client.post(url, {"var-shop": "beta", "cred-header:X-Shop-Key": shops.keys["beta"]})
        connection.refresh_from_db()
        assert connection.variables == {"shop": "beta"} and connection.last_test_ok
        assert services.connection_request(connection, "GET", "/keyed/me").json() == {"shop": "beta"}


class TestHostTemplates:
    """The API origin check uses the filled-in Base URL: the connection's own host only."""

    @pytest.fixture
    def connection(self, end_user):
        connector = make("Zylker Shops", "api_key", api_key_config(("Key", "X-Key", "header")),
                         base_url="https://{shop}.myshopify.com/admin/api")
        return Connection.objects.create(connector=connector, owner=end_user, name="Alpha", link_name="alpha",
                                         secrets={"header:X-Key": "k"}, variables={"shop": "alpha"},
                                         status=Connection.Status.CONNECTED)

    def test_a_path_goes_to_the_connections_own_host(self, connection):
        assert services.connection_url(connection, "/shop.json") == "https://alpha.myshopify.com/admin/api/shop.json"

    @pytest.mark.parametrize("url", ["https://beta.myshopify.com/admin/api/shop.json", "https://myshopify.com/x",
                                     "https://alpha.myshopify.com.evil.com/x", "https://{shop}.myshopify.com/x"])
    def test_another_host_is_refused(self, connection, url):
        with pytest.raises(DestinationRefused, match="alpha.myshopify.com"):
            services.connection_url(connection, url)

    @pytest.mark.parametrize("value", EVIL)
    def test_fill_refuses_every_escape(self, value):
        with pytest.raises(variables.VariableProblem):
            variables.fill("https://{shop}.myshopify.com/admin", [SHOP], {"shop": value})


def oauth_connector(shops, *, definitions=(SHOP,), base_url=None, hosts=None):
    shop = f"{shops.base_url}/shops/{{shop}}"
    config = {"grant_type": "authorization_code", "client_id": CLIENT_ID, "client_auth": "client_secret_basic",
              "authorization_url": f"{shop}/oauth/authorize", "token_url": f"{shop}/oauth/token", "revoke_url": "",
              "refresh_url": "", "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": True}
    return make("Shops OAuth", "oauth2", config, base_url=base_url or shop, definitions=definitions,
                secrets={"client_secret": CLIENT_SECRET}, test_url="/api/me")


def authorize(client, connector, shop, connection=None):
    url = (reverse("connections:reauthorize", args=[connection.link_name]) if connection
           else reverse("connections:add", args=[connector.pk]))
    response = client.post(url, {"name": f"My {shop}", "var-shop": shop})
    assert response.status_code == 302, response.content.decode()[-3000:]
    provider = requests.get(response["Location"], allow_redirects=False, timeout=10)
    return client.get(callback_from(provider.headers["Location"]))


class TestOAuthShops:
    def test_each_connection_is_authorized_by_and_calls_its_own_shop(self, user_client, shops):
        connector = oauth_connector(shops)
        for shop in ("alpha", "beta"):
            assert authorize(user_client, connector, shop).status_code == 302
        alpha, beta = Connection.objects.order_by("pk")
        assert alpha.variables == {"shop": "alpha"} and alpha.last_test_ok, alpha.last_test_message
        assert services.connection_request(beta, "GET", "/api/me").json() == {"shop": "beta"}
        services.tokens.connection_refresh(alpha, force=True)  # at alpha's token URL, with alpha's refresh token
        assert services.connection_request(alpha, "GET", "/api/me").json() == {"shop": "alpha"}
        assert ("alpha", "oauth/authorize") in shops.requests and ("beta", "oauth/token") in shops.requests
        assert not {("beta", what) for what in ("oauth/authorize", "oauth/token")} & set(shops.requests[:3])

    @pytest.mark.parametrize("value", ["evil.com/", "a.b", "%2f"])
    def test_a_value_that_would_leave_the_template_never_starts_a_flow(self, user_client, shops, value):
        response = user_client.post(reverse("connections:add", args=[oauth_connector(shops).pk]),
                                    {"name": "x", "var-shop": value})
        assert response.status_code == 400 and shops.requests == []

    def test_reauthorize_may_change_the_shop(self, user_client, shops):
        connector = oauth_connector(shops)
        authorize(user_client, connector, "alpha")
        connection = Connection.objects.get()
        authorize(user_client, connector, "beta", connection=connection)
        connection.refresh_from_db()
        assert connection.variables == {"shop": "beta"}
        assert services.connection_request(connection, "GET", "/api/me").json() == {"shop": "beta"}


class TestScopesWithVariables:
    """Dynamics 365's scope is on the environment's own host: https://{org}.crm.dynamics.com/user_impersonation."""

    TEMPLATE = "https://{shop}.crm.example/user_impersonation"

    def connector(self, shops):
        connector = oauth_connector(shops)
        connector.scope_delimiter = " "
        connector.save()
        Scope.objects.create(connector=connector, name="As the user", value=self.TEMPLATE)
        Scope.objects.create(connector=connector, name="Refresh", value="offline_access")
        return connector

    def test_the_scope_is_filled_in_the_authorization_url_and_shown_granted(self, user_client, shops):
        connector = self.connector(shops)
        response = user_client.post(reverse("connections:add", args=[connector.pk]),
                                    {"name": "My alpha", "var-shop": "alpha",
                                     "scopes": [self.TEMPLATE, "offline_access"]})
        assert response.status_code == 302, response.content.decode()[-3000:]
        assert query(response["Location"])["scope"] == "https://alpha.crm.example/user_impersonation offline_access"
        provider = requests.get(response["Location"], allow_redirects=False, timeout=10)
        assert user_client.get(callback_from(provider.headers["Location"])).status_code == 302
        connection = Connection.objects.get()
        assert connection.granted_scopes == "https://alpha.crm.example/user_impersonation offline_access"
        page = user_client.get(connection.get_absolute_url()).content.decode()
        assert "scopes: https://alpha.crm.example/user_impersonation offline_access" in page

    @pytest.mark.parametrize("value", ["evil.com/", "a.b", "%2f"])
    def test_a_value_that_would_move_the_scope_is_refused(self, value):
        with pytest.raises(variables.VariableProblem):
            variables.fill_scope(self.TEMPLATE, [SHOP], {"shop": value})

    def test_a_scope_that_is_no_url_is_filled_as_text(self):
        assert variables.fill_scope("read:{shop}", [SHOP], {"shop": "Alpha"}) == "read:alpha"
        assert variables.fill_scope("offline_access", [SHOP], {}) == "offline_access"


class TestFromTheTokenResponse:
    INSTANCE = {"name": "instance_url", "label": "Instance", "kind": "token", "token_field": "instance_url",
                "hosts": ["127.0.0.1"]}

    def connector(self, shops):
        return oauth_connector(shops, definitions=(SHOP, self.INSTANCE), base_url="{instance_url}/shops/{shop}")

    def test_instance_url_fills_the_base_url(self, user_client, shops):
        authorize(user_client, self.connector(shops), "alpha")
        connection = Connection.objects.get()
        assert connection.variables == {"shop": "alpha", "instance_url": shops.base_url}
        assert connection.last_test_ok and "Instance: <code>" in user_client.get(
            connection.get_absolute_url()).content.decode()
        assert services.connection_request(connection, "GET", "/api/me").json() == {"shop": "alpha"}

    @pytest.mark.parametrize("named", ["https://evil.example", f"http://127.0.0.1:9/x", "http://user@127.0.0.1:9"])
    def test_an_instance_elsewhere_is_refused_and_nothing_saved(self, user_client, shops, named):
        shops.instance_url = named
        response = authorize(user_client, self.connector(shops), "alpha")
        page = user_client.get(response["Location"]).content.decode()
        assert "Instance:" in page and not Connection.objects.exists()


class TestBuilder:
    def test_security_takes_variables_as_lines(self, builder_client, builder_user):
        connector = Connector.objects.create(name="Shops", link_name="shops", created_by=builder_user)
        data = {"auth_type": "api_key", "api_key-parameters-TOTAL_FORMS": "1",
                "api_key-parameters-INITIAL_FORMS": "0", "api_key-parameters-0-name": "Key",
                "api_key-parameters-0-key": "X-Key", "api_key-parameters-0-location": "header",
                "base_url": "https://{shop}.myshopify.com/admin", "other_hosts": "refuse", "expiry_statuses": "401",
                "test_method": "GET", "test_url": "/shop.json",
                "variables": "shop | Shop | dns | Before .myshopify.com\nregion | Region | one of: eu, us"}
        response = builder_client.post(reverse("builder:security", args=[connector.pk]), data)
        assert response.status_code == 302, response.content.decode()[-2000:]
        connector.refresh_from_db()
        assert connector.variables == [
            {"name": "shop", "label": "Shop", "help": "Before .myshopify.com", "kind": "dns_label"},
            {"name": "region", "label": "Region", "help": "", "kind": "choice", "choices": ["eu", "us"]}]
        page = builder_client.get(reverse("builder:security", args=[connector.pk])).content.decode()
        assert "region | Region | one of: eu, us" in page

        data["variables"] = "Shop Name | Shop\nx | X | one of: a/b"
        response = builder_client.post(reverse("builder:security", args=[connector.pk]), data)
        assert response.status_code == 400
        assert "lowercase letters" in response.content.decode() and "letters, digits and . _ ~ - only" in \
            response.content.decode()


def test_an_undefined_placeholder_keeps_the_connector_from_ready(builder_user):
    connector = Connector.objects.create(
        name="Half", link_name="half", auth_type="api_key", created_by=builder_user,
        config=api_key_config(("Key", "X-Key", "header"), ("Bot", "token", "path")),
        base_url="https://{shop}.example.com/bot{token}", test_url="/{region}/me", variables=[SHOP])
    assert connector.security_problems() == [
        "Security: Test request URL: {region} is not a connection variable (define it under API)."]


def test_a_security_url_on_a_token_variable_waits_for_the_first_token(shops):
    instance = dict(TestFromTheTokenResponse.INSTANCE)
    connector = oauth_connector(shops, definitions=(SHOP, instance))
    connector.config["revoke_url"] = "{instance_url}/shops/{shop}/oauth/revoke"
    assert connector.kind_config_with({"shop": "alpha"})["revoke_url"] == ""
    filled = connector.kind_config_with({"shop": "alpha", "instance_url": shops.base_url})
    assert filled["revoke_url"] == f"{shops.base_url}/shops/alpha/oauth/revoke"
    assert filled["token_url"] == f"{shops.base_url}/shops/alpha/oauth/token"
