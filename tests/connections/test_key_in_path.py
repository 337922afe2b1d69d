"""API key in the URL path (Telegram's https://api.telegram.org/bot{token}/getMe): httpbin echoes the URL it got."""

import json

import pytest
from django.urls import reverse

from auth_types import registry
from auth_types.api_key import ApiKeyConfigForm, in_path
from auth_types.base import AuthError
from connections.models import Connection
from connections.services import connection_request
from tests.connections.conftest import api_key_config
from tests.connections.test_key_based import add_connection, console

pytestmark = pytest.mark.django_db

CONFIG = api_key_config(("Bot Token", "token", "path"))
# A real Telegram token has a colon; "/", "?" and "#" must not leave the path segment.
TOKEN = "123456:CANARY-path/x?y#z"


@pytest.fixture
def telegram_like(ready_connector, httpbin_url):
    return ready_connector("Zylker Bot", "api_key", CONFIG, base_url=f"{httpbin_url}/anything/bot{{token}}",
                           test_url="/getMe")


def test_add_connection_says_where_the_value_goes(user_client, telegram_like):
    page = user_client.get(reverse("connections:add", args=[telegram_like.pk])).content.decode()
    assert "Bot Token" in page and "Sent in the URL path of each request, in place of {token}." in page


def test_the_value_replaces_the_placeholder_in_the_path_only(user_client, telegram_like, httpbin_url):
    add_connection(user_client, telegram_like, **{"path:token": TOKEN})
    connection = Connection.objects.get()
    assert connection.last_test_ok, connection.last_test_message

    response = connection_request(connection, "GET", "/getMe", params={"q": "{token}"})
    # Percent-encoded within one segment: the path is /anything/bot<token>/getMe, the query untouched.
    sent = response.request.url
    assert sent == f"{httpbin_url}/anything/bot123456:CANARY-path%2Fx%3Fy%23z/getMe?q=%7Btoken%7D"
    echoed = response.json()
    assert echoed["args"] == {"q": "{token}"} and echoed["url"].endswith("/getMe?q={token}")


def test_console_masks_the_value_in_the_url(user_client, telegram_like):
    add_connection(user_client, telegram_like, **{"path:token": TOKEN})
    connection = Connection.objects.get()
    response = console(user_client, connection, url="/getMe")
    assert response.status_code == 200
    result = response.context["result"]
    assert "/anything/bot••••••••/getMe" in result["sent"]["url"]
    assert "/anything/bot••••••••/getMe" in json.loads(result["body"])["url"]
    page = response.content.decode()
    assert "CANARY" not in page and "CANARY" not in result["curl"]


def test_a_url_without_the_placeholder_is_refused_before_sending(user_client, ready_connector, httpbin_url):
    connector = ready_connector("Zylker Bot", "api_key", CONFIG, base_url=httpbin_url)
    add_connection(user_client, connector, **{"path:token": TOKEN})
    connection = Connection.objects.get()
    response = console(user_client, connection, url="/anything/getMe")
    assert response.status_code == 400
    assert "has no {token} in its path" in response.content.decode()
    assert connection.events.filter(action="used").count() == 0


@pytest.mark.parametrize("url", ["https://{token}.example.com/x", "https://example.com/x?k={token}",
                                 "https://example.com/x#{token}"])
def test_a_placeholder_outside_the_path_is_not_filled(url):
    with pytest.raises(AuthError, match="has no {token} in its path"):
        in_path(url, "token", "abc")


@pytest.mark.parametrize("value,segment", [("..", "%2E%2E"), (".", "%2E"), ("a/../b", "a%2F..%2Fb"),
                                           ("%2e", "%252e"), ("é", "%C3%A9")])
def test_a_value_stays_one_segment(value, segment):
    assert in_path("https://example.com/{token}/x", "token", value) == f"https://example.com/{segment}/x"


@pytest.mark.parametrize("key", ["bot-token", "a.b", "9lives"])
def test_a_path_key_must_be_a_placeholder_name(key):
    form = ApiKeyConfigForm.from_stored(api_key_config(("Bot Token", key, "path")), {})
    assert not form.is_valid()
    assert any("URL path" in message for message in form.error_list())


def test_the_same_key_is_accepted_as_a_header():
    assert ApiKeyConfigForm.from_stored(api_key_config(("Bot Token", "bot-token", "header")), {}).is_valid()


def test_document_schema_offers_the_path_location():
    row = registry.get("api_key").config_schema()["properties"]["parameters"]["items"]
    assert "path" in row["properties"]["location"]["enum"]


def test_a_path_value_is_a_secret_but_not_a_sensitive_name():
    kind = registry.get("api_key")
    assert kind.sensitive_names(CONFIG) == []
    assert kind.secret_values(CONFIG, {"path:token": TOKEN}) == [TOKEN]


def test_a_document_says_it_and_imports(builder_user):
    from builder.documents import import_document
    from tests.builder.documents_helpers import document

    data = document("api_key", config=CONFIG, base_url="https://api.telegram.org/bot{token}",
                    test_request={"method": "GET", "url": "/getMe"})
    connector = import_document(data, user=builder_user)
    assert connector.config == CONFIG and connector.base_url == "https://api.telegram.org/bot{token}"
