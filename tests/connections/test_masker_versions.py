"""The masker is built once per secrets version (issue 12 item 3): calls with the same credentials build
nothing, a changed secret gives a new masker that hides the new value."""

import pytest

from connections import masking, services
from connections.masking import MASK
from tests.connections.conftest import BEARER_CONFIG
from tests.connections.test_key_based import console

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch):
    """Count the Maskers built (each compiles a pattern per secret character)."""
    counted = []
    real_init = masking.Masker.__init__

    def init(self, *args, **kwargs):
        counted.append(kwargs.get("secret_values", args[0] if args else ()))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(masking.Masker, "__init__", init)
    return counted


@pytest.fixture
def bearer_connection(ready_connector, end_user, echo_url):
    connector = ready_connector("Versioned", "bearer", BEARER_CONFIG, base_url=echo_url)
    return services.connection_create(connector=connector, owner=end_user, name="Versioned",
                                      secrets={"token": "tok-version-one-1234"})


def test_calls_with_the_same_secrets_build_no_masker(bearer_connection, builds):
    first = services.connection_request(bearer_connection, "GET", "/echo")
    built = len(builds)
    assert built >= 1
    for _ in range(4):
        response = services.connection_request(bearer_connection, "GET", "/echo")
        assert response.masker is first.masker
    assert len(builds) == built
    assert services.connection_masker(bearer_connection) is services.connection_masker(bearer_connection)
    assert len(builds) == built


def test_the_console_builds_no_masker_for_a_second_call(user_client, bearer_connection, builds):
    assert console(user_client, bearer_connection, url="/echo").status_code == 200
    built = len(builds)
    assert console(user_client, bearer_connection, url="/echo").status_code == 200
    assert len(builds) == built


def test_a_changed_secret_gives_a_new_masker(user_client, bearer_connection, end_user):
    before = services.connection_request(bearer_connection, "GET", "/echo").masker
    services.connection_update_secrets(connection=bearer_connection, user=end_user,
                                       secrets={"token": "tok-version-two-5678"})
    after = services.connection_request(bearer_connection, "GET", "/echo").masker
    assert after is not before and after.version != before.version
    assert after.text("tok-version-two-5678") == MASK
    text = console(user_client, bearer_connection, url="/echo").content.decode()
    assert "tok-version-two-5678" not in text and f"200 Bearer {MASK}" in text


def test_a_changed_client_secret_gives_a_new_masker(ready_connector, end_user):
    from tests.examples import example

    stored = example("oauth2")
    connector = ready_connector("Client secret", "oauth2", stored.config, secrets=dict(stored.client))
    connection = services.connection_create(connector=connector, owner=end_user, name="C",
                                            secrets=dict(stored.credentials))
    before = services.connection_masker(connection)
    connector.secrets = {"client_secret": "another-client-secret-42"}
    connector.save()
    after = services.connection_masker(connection)
    assert after is not before and after.text("another-client-secret-42") == MASK
