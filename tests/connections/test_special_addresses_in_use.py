"""An address of IANA's special-purpose registries is refused on the real paths (issue 14 finding 7)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from connections import services
from tests.connections.conftest import BEARER_CONFIG
from tests.connections.test_key_based import console

pytestmark = pytest.mark.django_db


@pytest.fixture
def dummy_host_connection(ready_connector, end_user):
    # 192.0.0.8 is IANA's IPv4 dummy address: Python 3.11's is_global calls it global.
    connector = ready_connector("Dummy host", "bearer", BEARER_CONFIG, base_url="http://192.0.0.8")
    return services.connection_create(connector=connector, owner=end_user, name="Dummy",
                                      secrets={"token": "tok-dummy-1234"})


def test_invokeurl_refuses_the_dummy_address(dummy_host_connection):
    with pytest.raises(CommandError, match=r"Refused to connect to 192\.0\.0\.8: it resolves to a private"):
        call_command("invokeurl", dummy_host_connection.link_name, "--url", "/v1/me", stdout=StringIO())


def test_the_console_refuses_the_dummy_address(user_client, dummy_host_connection):
    response = console(user_client, dummy_host_connection, url="/v1/me")
    assert response.status_code == 400
    assert "Refused to connect to 192.0.0.8" in response.content.decode()
