"""An API that echoes the credentials it receives, in its reason phrase, headers and body (as is,
base64- and percent-encoded): nothing of them is shown, in the console or by `invokeurl -i`, also
when the call itself refreshes the token (issue 14 findings 1 and 2)."""

import base64
import threading
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection as db
from django.test import Client
from django.utils import timezone

from connections import services
from connections.masking import MASK
from connections.models import Connection
from tests.connections.oauth_helpers import authorize_oauth2, oauth2_connector
from tests.connections.test_key_based import console
from tests.connections.test_secrets import EXAMPLES, assert_no_secret, page
from tests.examples import keys

pytestmark = pytest.mark.django_db

CONCURRENT = 16


@pytest.fixture
def echo_connection(ready_connector, echo_url, end_user):
    """Return make(key): a connection of that type (the example's values) to the echoing API."""

    def make(key):
        stored = EXAMPLES[key]
        connector = ready_connector(f"Echo {key}", key, stored.config, secrets=stored.client, base_url=echo_url)
        return services.connection_create(connector=connector, owner=end_user, name=f"Echo {key}",
                                          secrets=dict(stored.credentials))

    return make


def status_badge(text):
    start = text.index('data-testid="response-status">') + len('data-testid="response-status">')
    return text[start:text.index("</span>", start)]


@pytest.mark.parametrize("key", keys())
def test_the_console_masks_the_status_line_headers_and_body(key, user_client, echo_connection):
    connection = echo_connection(key)
    text = page(console(user_client, connection, url="/echo", params="probe=1"), f"the console ({key})")
    assert status_badge(text).startswith("200 ")
    connection.refresh_from_db()
    assert_no_secret(connection.last_error + " ".join(e.detail for e in connection.events.all()), "the activity")


@pytest.mark.parametrize("key", keys())
def test_invokeurl_include_masks_the_status_line_headers_and_body(key, echo_connection):
    connection = echo_connection(key)
    out = StringIO()
    call_command("invokeurl", connection.link_name, "--url", "/echo?probe=1", "-i", stdout=out)
    assert out.getvalue().startswith("HTTP 200 ")
    assert_no_secret(out.getvalue(), f"invokeurl -i ({key})")


def test_a_bearer_token_in_the_reason_phrase_is_masked(user_client, echo_connection):
    text = page(console(user_client, echo_connection("bearer"), url="/echo"), "the console")
    assert status_badge(text) == f"200 Bearer {MASK}"
    out = StringIO()
    call_command("invokeurl", "echo_bearer", "--url", "/echo", "-i", stdout=out)
    assert out.getvalue().splitlines()[0] == f"HTTP 200 Bearer {MASK}"
    assert f"X-Echo-0: Bearer {MASK}" in out.getvalue().splitlines()


# --- a token refreshed during the call (finding 1) -------------------------------------------

@pytest.fixture
def expired_oauth2(client, end_user, oauth2_provider, echo_url):
    """An OAuth2 connection (authorized at the real provider) whose token has expired; the echoing API is one of
    its connector's API origins."""
    client.force_login(end_user)
    oauth2_provider.set_access_token_ttl(3600)
    connector = oauth2_connector(oauth2_provider)
    type(connector).objects.filter(pk=connector.pk).update(api_origins=[echo_url])
    authorize_oauth2(client, oauth2_provider, connector)
    connection = Connection.objects.get()
    Connection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
    oauth2_provider.reset_counts()
    return connection


def forms_of(token):
    return {token, base64.b64encode(token.encode()).decode(), quote(token, safe=""),
            base64.b64encode(f"Bearer {token}".encode()).decode()}


def assert_tokens_hidden(text, tokens, where):
    shown = [form for token in tokens for form in forms_of(token) if form in text]
    assert not shown, f"a token is shown in {where}: {shown}"


def test_a_token_refreshed_by_the_console_call_is_masked(user_client, expired_oauth2, oauth2_provider, echo_url):
    old_token = expired_oauth2.secrets["access_token"]
    response = console(user_client, expired_oauth2, url=f"{echo_url}/echo")
    text = response.content.decode()
    assert response.status_code == 200
    expired_oauth2.refresh_from_db()
    new_token = expired_oauth2.secrets["access_token"]
    assert new_token != old_token and oauth2_provider.counts().get("/o/token/") == 1
    assert status_badge(text) == f"200 Bearer {MASK}"
    assert_tokens_hidden(text, [old_token, new_token], "the console")


def test_a_token_refreshed_by_the_invokeurl_call_is_masked(expired_oauth2, echo_url):
    old_token = expired_oauth2.secrets["access_token"]
    out = StringIO()
    call_command("invokeurl", expired_oauth2.link_name, "--url", f"{echo_url}/echo", "-i", stdout=out)
    expired_oauth2.refresh_from_db()
    assert expired_oauth2.secrets["access_token"] != old_token
    assert out.getvalue().splitlines()[0] == f"HTTP 200 Bearer {MASK}"
    assert_tokens_hidden(out.getvalue(), [old_token, expired_oauth2.secrets["access_token"]], "invokeurl -i")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_console_calls_mask_the_token_one_of_them_refreshed(expired_oauth2, end_user, oauth2_provider,
                                                                      echo_url):
    if db.vendor != "postgresql":
        pytest.skip("SQLite has no row locks; the README says so. This runs on PostgreSQL (.ci/run's second pass).")
    old_token = expired_oauth2.secrets["access_token"]
    barrier, pages = threading.Barrier(CONCURRENT), [None] * CONCURRENT

    def send(number):
        try:
            browser = Client()
            browser.force_login(end_user)
            barrier.wait()
            pages[number] = console(browser, expired_oauth2, url=f"{echo_url}/echo?n={number}")
        finally:
            db.close()

    threads = [threading.Thread(target=send, args=(number,)) for number in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    expired_oauth2.refresh_from_db()
    new_token = expired_oauth2.secrets["access_token"]
    assert new_token != old_token and oauth2_provider.counts().get("/o/token/") == 1
    for number, response in enumerate(pages):
        text = response.content.decode()
        assert response.status_code == 200, number
        assert status_badge(text).startswith(f"200 Bearer {MASK}"), number
        assert_tokens_hidden(text, [old_token, new_token], f"console response {number}")
