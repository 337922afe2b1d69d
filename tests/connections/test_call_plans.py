"""What a call derives from a connection's stored values is kept per version of them (issue 12: the call
ratios): a changed secret, setting, value, key or state is seen on the very next call, whichever instance
of the connection the call is given; a hot call queries nothing beyond loading the connection, and
decrypts nothing a previous call decrypted."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from connections import plans, services
from connections.models import Connection
from connectors_site import crypto
from tests.connections.conftest import BEARER_CONFIG, api_key_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(ready_connector, end_user, httpbin_url):
    connector = ready_connector("Plans", "bearer", BEARER_CONFIG, base_url=httpbin_url)
    return services.connection_create(connector=connector, owner=end_user, name="Plans",
                                      secrets={"token": "tok-plan-one-1234"})


def fresh(connection):
    """The connection as a request handler loads it: a new instance, its connector with it."""
    return Connection.objects.select_related("connector").get(pk=connection.pk)


def sent_authorization(connection):
    return services.connection_request(connection, "GET", "/headers").json()["headers"]["Authorization"]


def test_a_changed_secret_is_sent_on_the_next_call(bearer, end_user):
    assert sent_authorization(bearer) == "Bearer tok-plan-one-1234"
    assert sent_authorization(fresh(bearer)) == "Bearer tok-plan-one-1234"
    services.connection_update_secrets(connection=fresh(bearer), user=end_user, secrets={"token": "tok-plan-two-5678"})
    assert sent_authorization(fresh(bearer)) == "Bearer tok-plan-two-5678"
    bearer.secrets = {"token": "tok-plan-three-9012"}  # an instance changed in memory, as a refresh does
    assert sent_authorization(bearer) == "Bearer tok-plan-three-9012"
    assert services.connection_masker(bearer).text("tok-plan-three-9012") == "••••••••"


def test_a_changed_connector_setting_is_used_on_the_next_call(bearer):
    assert sent_authorization(bearer) == "Bearer tok-plan-one-1234"
    connector = bearer.connector
    connector.config = {**BEARER_CONFIG, "token_prefix": "Token"}
    connector.save()
    assert sent_authorization(fresh(bearer)) == "Token tok-plan-one-1234"


def test_a_changed_base_url_is_called_on_the_next_call(bearer, echo_url):
    assert services.connection_url(bearer, "/x").startswith(bearer.connector.base_url)
    connector = fresh(bearer).connector
    connector.base_url = echo_url
    connector.save()
    assert services.connection_url(fresh(bearer), "/x") == f"{echo_url}/x"


def test_a_plan_reads_the_values_as_they_were_when_it_was_made(bearer):
    """An instance changed after a call (not saved) changes nothing for another instance of the same values."""
    base = bearer.connector.base_url
    services.connection_masker(bearer)  # the plan is made; its URLs are filled in when a call needs them
    bearer.connector.base_url = "https://elsewhere.example.com"
    assert services.connection_url(fresh(bearer), "/x") == f"{base}/x"


def test_a_disabled_connection_is_refused_on_the_next_call(bearer, end_user):
    services.connection_request(fresh(bearer), "GET", "/get")
    services.connection_set_enabled(connection=fresh(bearer), user=end_user, enabled=False)
    with pytest.raises(services.ConnectionDisabled):
        services.connection_request(fresh(bearer), "GET", "/get")


def test_a_changed_api_key_is_sent_on_the_next_call(ready_connector, end_user, httpbin_url):
    connector = ready_connector("Keyed", "api_key", api_key_config(("Key", "key", "query")), base_url=httpbin_url)
    connection = services.connection_create(connector=connector, owner=end_user, name="Keyed",
                                            secrets={"query:key": "key-value-one"})
    assert services.connection_request(connection, "GET", "/get").json()["args"] == {"key": "key-value-one"}
    services.connection_update_secrets(connection=fresh(connection), user=end_user,
                                       secrets={"query:key": "key-value-two"})
    assert services.connection_request(fresh(connection), "GET", "/get").json()["args"] == {"key": "key-value-two"}


def test_a_changed_connection_variable_is_filled_in_on_the_next_call(end_user):
    from tests.connections.test_connection_variables import SHOP, make

    connector = make("Shops", "api_key", api_key_config(("Key", "X-Key", "header")),
                     base_url="https://{shop}.myshopify.com/admin/api", definitions=(SHOP,))
    connection = Connection.objects.create(connector=connector, owner=end_user, name="Alpha", link_name="alpha",
                                           secrets={"header:X-Key": "k"}, variables={"shop": "alpha"},
                                           status=Connection.Status.CONNECTED)
    assert services.connection_url(connection, "/shop.json") == "https://alpha.myshopify.com/admin/api/shop.json"
    connection.variables = {"shop": "beta"}
    connection.save()
    assert services.connection_url(fresh(connection), "/shop.json") == "https://beta.myshopify.com/admin/api/shop.json"
    with pytest.raises(services.DestinationRefused):
        services.connection_url(fresh(connection), "https://alpha.myshopify.com/admin/api/shop.json")


def test_a_removed_key_is_not_answered_from_the_decrypted_values_kept(bearer):
    key = Fernet.generate_key().decode()
    with override_settings(CONNECTORS_ENCRYPTION_KEYS=[key]):
        connection = services.connection_create(connector=bearer.connector, owner=bearer.owner, name="Keyed",
                                                secrets={"token": "tok-under-one-key"})
        assert fresh(connection).secrets == {"token": "tok-under-one-key"}  # decrypted, and kept
    with override_settings(CONNECTORS_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        assert fresh(connection).needs_reconfiguration
        with pytest.raises(services.ConnectionNeedsReconfiguration):
            services.connection_request(fresh(connection), "GET", "/get")


def test_a_hot_call_queries_only_to_load_the_connection_and_decrypts_nothing_again(settings, bearer):
    settings.CONNECTORS_USAGE_FLUSH_SECONDS = 1  # production's: usage buffered
    services.connection_request(fresh(bearer), "GET", "/get")  # the first: its status is written at once
    services.connection_request(fresh(bearer), "GET", "/get")
    before = crypto._decrypted.cache_info()
    for calls in (5, 20):
        with CaptureQueriesContext(db) as queries:
            for _ in range(calls):
                services.connection_request(fresh(bearer), "GET", "/get")
        assert len(queries) == calls  # the one SELECT that loads the connection and its connector
    after = crypto._decrypted.cache_info()
    assert after.misses == before.misses and after.hits >= before.hits + 2 * 25
    from connections import usage
    usage.buffer.flush()


def test_a_plan_is_made_once_per_version(bearer, monkeypatch):
    made = []
    real = plans.CallPlan.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(plans.CallPlan, "__init__", counting)
    plans.plans.clear()
    for _ in range(3):
        services.connection_request(fresh(bearer), "GET", "/get")
    assert len(made) == 1
    bearer.secrets = {"token": "tok-plan-other-0000"}
    services.connection_request(bearer, "GET", "/get")
    assert len(made) == 2
