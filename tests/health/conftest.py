import pytest

from builder.models import Connector, Stage
from connections import services
from tests.connections.conftest import BEARER_CONFIG


@pytest.fixture
def checked_connection(builder_user, end_user, httpbin_url):
    """Return a factory: a Bearer connection whose connector's test request is `path` at httpbin."""
    made = []

    def make(path="/bearer", *, name=None, owner=None):
        name = name or f"Checked {len(made) + 1}"
        connector = Connector.objects.create(
            name=name, link_name=name.lower().replace(" ", "_"), auth_type="bearer", config=BEARER_CONFIG,
            stage=Stage.READY, test_url=f"{httpbin_url}{path}", created_by=builder_user, base_url=httpbin_url)
        connection = services.connection_create(connector=connector, owner=owner or end_user, name=name,
                                                secrets={"token": "tok-123456"})
        made.append(connection)
        return connection

    return make
