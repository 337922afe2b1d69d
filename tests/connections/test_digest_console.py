"""HTTP Digest through the pages: Add Connection, the test request and the console, against httpbin."""

import pytest

from connections.models import Connection
from tests.connections.test_key_based import add_connection, console

pytestmark = pytest.mark.django_db

CONFIG = {"username_name": "Account", "password_name": "Pass phrase"}


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_a_digest_connection_answers_httpbin_through_the_console(user_client, ready_connector, httpbin_url,
                                                                 algorithm):
    url = f"{httpbin_url}/digest-auth/auth/maria/pass-phrase-7/{algorithm}"
    connector = ready_connector("Zylker Digest", "digest", CONFIG, test_url=url)
    add_connection(user_client, connector, username="maria", password="pass-phrase-7")
    connection = Connection.objects.get()
    assert connection.status == Connection.Status.CONNECTED and connection.last_test_ok, connection.last_test_message

    response = console(user_client, connection, url=url)
    result = response.context["result"]
    assert result["status"] == 200 and '"authenticated": true' in result["body"]
    assert ("Authorization", "Digest ••••••••") in result["sent"]["headers"]
    assert "pass-phrase-7" not in response.content.decode().replace(url, "")  # (httpbin wants it in its URL)


def test_a_wrong_password_fails_the_test_request(user_client, ready_connector, httpbin_url):
    url = f"{httpbin_url}/digest-auth/auth/maria/right-one/SHA-256"
    connector = ready_connector("Zylker Digest", "digest", CONFIG, test_url=url)
    add_connection(user_client, connector, username="maria", password="wrong-one")
    connection = Connection.objects.get()
    assert connection.status == Connection.Status.FAILING and "401" in connection.last_test_message
