"""Every registered type, from its example: a connection added through the pages works at a real server.

The example's `live` names the server (tests/peers) and what to configure there; the steps are
those of its grant kind: typed values (Add Connection), the provider's pages (authorize, consent,
callback) or a direct grant. The connector's test request must pass, and a console call too.
"""

import pytest
from django.urls import reverse

from auth_types import registry
from auth_types.base import FORM, REDIRECT
from builder.models import Scope
from connections.models import Connection
from tests.connections.oauth_helpers import callback_from
from tests.connections.test_key_based import add_connection, console
from tests.examples import Peers, example, keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def peers(request):
    return Peers(request)


def connect(client, connector, live):
    """Authorize a connection to `connector` the way its grant kind does; return the connection."""
    kind = connector.kind.grant_kind(connector.kind_config)
    if kind == FORM:
        response = add_connection(client, connector, name="Every type", **live.credentials)
    else:
        response = client.post(reverse("connections:add", args=[connector.pk]),
                               {"name": "Every type", "scopes": list(live.scopes)})
        if kind == REDIRECT:
            assert response.status_code == 302, response.content.decode()[:2000]
            response = client.get(callback_from(live.approve(response["Location"])))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Connection.objects.get(connector=connector)


@pytest.mark.parametrize("key", keys())
def test_a_connection_made_through_the_pages_works_at_a_real_server(user_client, ready_connector, peers, key):
    live = example(key).live(peers)
    connector = ready_connector(f"Every {key}", key, live.config, secrets=live.client, test_url=live.test_url)
    connector.scope_delimiter = live.scope_delimiter
    connector.save()
    Scope.objects.bulk_create(Scope(connector=connector, name=value, value=value) for value in live.scopes)
    assert connector.ready_problems() == []
    live.prepare(connector)

    connection = connect(user_client, connector, live)
    assert connection.status == Connection.Status.CONNECTED, connection.last_error
    assert connection.last_test_ok, connection.last_test_message

    response = console(user_client, connection, url=live.test_url)
    assert response.status_code == 200 and response.context["result"]["status"] == 200, response.context
    assert registry.get(key).secret_values(connector.kind_config, connection.secrets, client=connector.secrets)
