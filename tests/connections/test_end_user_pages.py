"""The end user's pages: Add Connection (Cancel, where values go), Try again after a denial, the test
result shown once, and the request console's recent requests and copy as curl."""

import re

import pytest
from django.db import connection as db
from django.urls import reverse

from auth_types import registry
from auth_types.base import FORM
from connections.console import KEEP
from connections.models import Connection, ConsoleRequest
from tests.connections.conftest import BEARER_CONFIG
from tests.connections.oauth_helpers import callback_from, oauth2_connector
from tests.connections.test_key_based import add_connection, console
from tests.examples import examples
from tests.peers.oauth_fixtures import approve_oauth2_consent

pytestmark = pytest.mark.django_db


def page(response):
    return response.content.decode()


EXAMPLES = examples()


@pytest.mark.parametrize("auth_type", [t for t in registry.all_types() if t.grant_kind(EXAMPLES[t.key].config) == FORM],
                         ids=lambda t: t.key)
def test_add_connection_says_where_each_value_is_sent_and_can_be_cancelled(user_client, ready_connector, auth_type):
    connector = ready_connector("Zylker", auth_type.key, EXAMPLES[auth_type.key].config)
    html = page(user_client.get(reverse("connections:add", args=[connector.pk])))
    form = auth_type.credential_form(connector.config)(config=connector.config)
    for field in form:
        helptext = re.search(rf'id="{field.auto_id.replace("id_", "id_cred-", 1)}_helptext"[^>]*>([^<]*)<', html)
        assert helptext and re.search(r"\b(Sent|Signs|Never sent)\b", helptext.group(1)), field.name
    assert f'<a class="btn btn-link" href="{reverse("builder:catalog")}">Cancel</a>' in html


def test_api_key_values_name_their_place(user_client, ready_connector):
    config = {"parameters": [{"name": "Key", "key": "X-API-Key", "location": "header"},
                             {"name": "Account", "key": "account", "location": "query"},
                             {"name": "Signature", "key": "sig", "location": "form"}]}
    html = page(user_client.get(reverse("connections:add", args=[ready_connector("Zylker", "api_key", config).pk])))
    assert "Sent in the X-API-Key header of each request." in html
    assert "Sent in the query string, as account=… of each request." in html
    assert "Sent in the form body, as sig=… of each request." in html


def test_an_api_keys_help_text_is_shown_before_where_it_is_sent(user_client, ready_connector):
    config = {"parameters": [{"name": "Key", "key": "X-API-Key", "location": "header",
                              "help_text": "Find it under Settings, API keys."}]}
    html = page(user_client.get(reverse("connections:add", args=[ready_connector("Zylker", "api_key", config).pk])))
    assert "Find it under Settings, API keys. Sent in the X-API-Key header of each request." in html


def test_the_test_result_is_shown_once(user_client, ready_connector, httpbin_url):
    connector = ready_connector("Zylker Bearer", "bearer", BEARER_CONFIG, test_url=f"{httpbin_url}/bearer")
    response = add_connection(user_client, connector, token="tok-123")
    html = page(user_client.get(response["Location"]))
    assert html.count("Test passed") == 1
    user_client.post(reverse("connections:test", args=[Connection.objects.get().link_name]))
    assert page(user_client.get(response["Location"])).count("Test passed") == 1


class TestTryAgain:
    @pytest.fixture
    def peer(self, oauth2_provider):
        oauth2_provider.set_access_token_ttl(3600)
        return oauth2_provider

    def test_after_a_denial_add_connection_offers_try_again(self, user_client, peer):
        connector = oauth2_connector(peer)
        response = user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Mine"})
        denied = user_client.get(callback_from(approve_oauth2_consent(peer, response["Location"], allow=False)))
        assert denied["Location"] == f"{reverse('connections:add', args=[connector.pk])}?failed=1"
        html = page(user_client.get(denied["Location"]))
        assert ">Try again</button>" in html and "Sandbox OAuth2: " in html
        assert not Connection.objects.exists()

    def test_a_denied_reauthorization_offers_try_again_on_the_same_connection(self, user_client, peer):
        connector = oauth2_connector(peer)
        response = user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Mine"})
        user_client.get(callback_from(approve_oauth2_consent(peer, response["Location"])))
        connection = Connection.objects.get()
        response = user_client.post(reverse("connections:reauthorize", args=[connection.link_name]), {})
        denied = user_client.get(callback_from(approve_oauth2_consent(peer, response["Location"], allow=False)))
        assert denied["Location"] == f"{reverse('connections:reauthorize', args=[connection.link_name])}?failed=1"
        assert ">Try again</button>" in page(user_client.get(denied["Location"]))


class TestConsole:
    @pytest.fixture
    def bearer(self, user_client, ready_connector, httpbin_url):
        connector = ready_connector("Zylker Bearer", "bearer", BEARER_CONFIG)
        add_connection(user_client, connector, token="tok-canary-77")
        return Connection.objects.get()

    def test_sent_requests_are_kept_newest_first_once_each(self, user_client, bearer, httpbin_url):
        for path in ["/anything/a", "/anything/b", "/anything/a"]:
            assert console(user_client, bearer, url=f"{httpbin_url}{path}").status_code == 200
        html = page(user_client.get(bearer.get_absolute_url()))
        recent = re.findall(r'<a href="\?recent=\d+#console" class="font-monospace">([^<]*)</a>', html)
        assert recent == [f"GET {httpbin_url}/anything/a", f"GET {httpbin_url}/anything/b"]

    def test_at_most_ten_are_kept(self, user_client, bearer, httpbin_url):
        for number in range(KEEP + 2):
            console(user_client, bearer, url=f"{httpbin_url}/status/204?n={number}")
        assert bearer.console_requests.count() == KEEP
        assert f"n={KEEP + 1}" in bearer.console_requests.first().request["url"]

    def test_a_recent_request_fills_the_console_again(self, user_client, bearer, httpbin_url):
        console(user_client, bearer, method="POST", url=f"{httpbin_url}/post", headers="X-Trace: 42",
                body_type="json", body='{"a": 1}')
        saved = bearer.console_requests.get()
        html = page(user_client.get(f"{bearer.get_absolute_url()}?recent={saved.pk}"))
        assert '<option value="POST" selected>' in html
        assert f'value="{httpbin_url}/post"' in html and "X-Trace: 42</textarea>" in html
        assert "{&quot;a&quot;: 1}</textarea>" in html

    def test_recent_requests_are_encrypted_and_mask_the_connections_secrets(self, user_client, bearer, httpbin_url):
        console(user_client, bearer, url=f"{httpbin_url}/anything?token=tok-canary-77")
        with db.cursor() as cursor:
            cursor.execute(f"SELECT request FROM {ConsoleRequest._meta.db_table}")
            assert "anything" not in cursor.fetchone()[0]
        saved = bearer.console_requests.get()
        html = page(user_client.get(f"{bearer.get_absolute_url()}?recent={saved.pk}"))
        assert "tok-canary-77" not in html

    def test_another_users_recent_request_is_not_offered(self, client, make_user, bearer, httpbin_url, user_client):
        console(user_client, bearer, url=f"{httpbin_url}/anything/mine")
        other = make_user("other")
        client.force_login(other)
        connector = bearer.connector
        add_connection(client, connector, token="tok-other", name="Theirs")
        theirs = Connection.objects.get(owner=other)
        html = page(client.get(f"{theirs.get_absolute_url()}?recent={bearer.console_requests.get().pk}"))
        assert "/anything/mine" not in html

    def test_copy_as_curl_with_credentials_masked(self, user_client, bearer, httpbin_url):
        html = page(console(user_client, bearer, method="POST", url=f"{httpbin_url}/post", body_type="json",
                            body='{"it\'s": 1}'))
        curl = re.search(r'<pre [^>]*id="curl-command"[^>]*>(.*?)</pre>', html, re.S).group(1)
        assert curl.startswith(f"curl -X POST {httpbin_url}/post -H ")
        assert "-H &#x27;Authorization: Bearer ••••••••&#x27;" in curl
        assert "--data-binary" in curl and "tok-canary-77" not in html
        assert 'data-copy-target="curl-command"' in html

    def test_the_pages_script_gets_the_console_part_only(self, user_client, bearer, httpbin_url):
        """What static/js/console.js asks for: the console (form, recent requests) and the response, no page."""
        url = reverse("connections:console", args=[bearer.link_name])
        data = {"method": "GET", "body_type": "none", "url": f"{httpbin_url}/anything/part"}
        whole = page(user_client.post(url, data))
        response = user_client.post(url, data, headers={"X-Console": "fragment"})
        part = page(response)
        assert response.status_code == 200
        assert "<html" not in part and 'id="activity-title"' not in part and 'id="console-area"' not in part
        for marker in ('id="console-form"', 'data-testid="response-status"', 'data-testid="recent-requests"',
                       'id="curl-command"', 'name="csrfmiddlewaretoken"'):
            assert marker in part and marker in whole, marker
        assert '<div id="console-area">' in whole and 'src="/static/js/console.js"' in whole
        assert "tok-canary-77" not in part  # masked as on the page

    def test_a_refused_console_part_shows_the_problems(self, user_client, bearer):
        response = user_client.post(reverse("connections:console", args=[bearer.link_name]),
                                    {"method": "GET", "body_type": "none", "url": "a b"},
                                    headers={"X-Console": "fragment"})
        assert response.status_code == 400
        part = page(response)
        assert 'id="error-summary"' in part and 'id="id_url_error"' in part and "<html" not in part

    def test_sending_the_newest_request_again_writes_nothing(self, user_client, bearer, httpbin_url):
        from django.test.utils import CaptureQueriesContext

        console(user_client, bearer, url=f"{httpbin_url}/anything/again")
        with CaptureQueriesContext(db) as captured:
            assert console(user_client, bearer, url=f"{httpbin_url}/anything/again").status_code == 200
        writes = [q["sql"] for q in captured if "consolerequest" in q["sql"] and not q["sql"].startswith("SELECT")]
        assert writes == []
        assert bearer.console_requests.count() == 1
