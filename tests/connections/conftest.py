import pytest

from builder.models import Connector, Stage
from builder.validators import link_name_from


@pytest.fixture
def ready_connector(builder_user):
    """Make a Ready connector of `auth_type` with `config` (and an optional test request)."""

    def make(name, auth_type, config, *, test_url="", test_method="GET", secrets=None):
        return Connector.objects.create(
            name=name, link_name=link_name_from(name), auth_type=auth_type, config=config, secrets=secrets or {},
            stage=Stage.READY, test_url=test_url, test_method=test_method, created_by=builder_user,
        )

    return make


@pytest.fixture
def user_client(client, end_user):
    client.force_login(end_user)
    return client


BASIC_CONFIG = {"username_name": "Account", "username_key": "user", "password_name": "Secret word",
                "password_key": "pass"}
BEARER_CONFIG = {"location": "header", "parameter_name": "Access Token", "parameter_key": "Authorization",
                 "token_prefix": "Bearer"}


def api_key_config(*rows):
    return {"parameters": [{"name": name, "key": key, "location": location} for name, key, location in rows]}
