import pytest

from builder.api_origins import origin
from builder.models import Connector, Stage
from builder.validators import link_name_from


# Addresses the error tests call: nothing listens there, or the guard refuses them. Listed as API
# origins where a test wants the outbound client's own refusal rather than the origin check's.
UNREACHABLE = ("http://127.0.0.1:9", "http://10.1.2.3")


@pytest.fixture
def ready_connector(builder_user, request):
    """Make a Ready connector of `auth_type` with `config` (and an optional test request)."""

    def make(name, auth_type, config, *, test_url="", test_method="GET", secrets=None, base_url=None,
             api_origins=()):
        """base_url: the API's (credentials go only there); by default the test request's origin, or httpbin."""
        if base_url is None:
            base_url = origin(test_url) if test_url else request.getfixturevalue("httpbin_url")
        return Connector.objects.create(
            name=name, link_name=link_name_from(name), auth_type=auth_type, config=config, secrets=secrets or {},
            stage=Stage.READY, test_url=test_url, test_method=test_method, created_by=builder_user,
            base_url=base_url, api_origins=list(api_origins),
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
