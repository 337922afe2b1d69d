"""A connection's secrets never appear in clear text: not in a page, a log line, an error, the
audit trail, the database columns or a dump, even when the server echoes them back.

Every secret is a canary holding "CANARY" and characters that encodings change (space, /, +, &, =),
so a leak in any encoding still shows: the literal word, or one of the forms checked below.
"""

import base64
import io
import json
import logging
from urllib.parse import quote, quote_plus

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.urls import reverse

from connections import services
from connections.models import Connection, ConnectionEvent
from connectors_site import outbound
from auth_types import registry
from auth_types.base import FORM
from tests.connections.conftest import UNREACHABLE
from tests.connections.test_key_based import add_connection, console
from tests.examples import examples

pytestmark = pytest.mark.django_db

WORD = "CANARY"
EXAMPLES = examples()
SECRET_VALUES = [value for stored in EXAMPLES.values() for value in stored.secrets]


def encoded_forms():
    """Return the forms of the secrets that do not hold the word CANARY themselves."""
    secrets = SECRET_VALUES + [leak for stored in EXAMPLES.values() for leak in stored.leaks]
    forms = set()
    for secret in secrets:
        forms |= {quote(secret, safe=""), quote_plus(secret), base64.b64encode(secret.encode()).decode()}
    return forms


ENCODED = encoded_forms()


def assert_no_secret(text, where):
    assert WORD not in text, f"a secret is shown in {where}"
    shown = [form for form in ENCODED if form in text]
    assert not shown, f"an encoded secret is shown in {where}: {shown}"


def page(response, where, status=200):
    assert response.status_code == status, (where, response.status_code)
    text = response.content.decode()
    assert_no_secret(text, where)
    return text


def typed(key):
    """Return whether the end user types this type's credentials (else the provider issues them)."""
    return registry.get(key).grant_kind(EXAMPLES[key].config) == FORM


@pytest.fixture
def connectors(ready_connector, httpbin_url):
    # /anything echoes the query, form, headers and URL back: the test request sends them all.
    return {
        key: ready_connector(f"Zylker {key}", key, stored.config, secrets=stored.client,
                             test_url=f"{httpbin_url}/anything?probe=1", test_method="POST", api_origins=UNREACHABLE)
        for key, stored in EXAMPLES.items()
    }


def add_every_type(client, connectors, user):
    """Add one connection of each type: typed values through Add Connection, issued ones as a flow stores them."""
    made = {}
    for key, connector in connectors.items():
        if typed(key):
            response = add_connection(client, connector, name=f"Mine {key}", **EXAMPLES[key].credentials)
            assert response.status_code == 302
            made[key] = Connection.objects.get(connector=connector)
        else:
            made[key] = services.connection_create(connector=connector, owner=user, name=f"Mine {key}",
                                                   secrets=dict(EXAMPLES[key].credentials))
            services.connection_test(connection=made[key], user=user)
            made[key].refresh_from_db()
        assert made[key].last_test_ok, made[key].last_test_message
    return made


@pytest.fixture
def every_type(user_client, end_user, connectors):
    return add_every_type(user_client, connectors, end_user)


@pytest.fixture
def all_logs(caplog):
    """Capture every logger at DEBUG, including those the settings quiet (urllib3, botocore)."""
    for name in ["", *sorted(logging.root.manager.loggerDict)]:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def logged_text(caplog, *, skip=()):
    """Return every captured record as text, but those of the loggers in skip."""
    return "\n".join(f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records
                     if not record.name.startswith(skip))


def console_requests(httpbin_url):
    """The console requests an end user may send, each to a server that echoes what it got."""
    return [
        {"url": f"{httpbin_url}/anything", "params": "page=2", "headers": "X-Trace: 7"},
        {"method": "POST", "url": f"{httpbin_url}/anything", "body_type": "form", "body": "q=hello"},
        {"url": f"{httpbin_url}/headers"},
        {"url": f"{httpbin_url}/get?x=1"},
        {"url": f"{httpbin_url}/response-headers?Probe=1"},
    ]


class TestPages:
    def test_no_page_shows_a_secret(self, user_client, every_type, httpbin_url):
        pages = [reverse("connections:list"), reverse("microservices")]
        for connection in every_type.values():
            pages += [reverse(f"connections:{name}", args=[connection.link_name])
                      for name in ("detail", "credentials", "rename", "delete")]
        for url in pages:
            page(user_client.get(url), url)

    def test_no_admin_page_shows_a_secret(self, client, make_user, every_type):
        client.force_login(make_user("root", superuser=True))
        pages = [reverse("admin:connections_connection_changelist"), reverse("admin:builder_connector_changelist")]
        for connection in every_type.values():
            pages += [reverse("admin:connections_connection_change", args=[connection.pk]),
                      reverse("admin:builder_connector_change", args=[connection.connector_id])]
        for url in pages:
            page(client.get(url), url)

    def test_the_console_masks_what_the_server_echoes(self, user_client, every_type, httpbin_url):
        for case, connection in every_type.items():
            for fields in console_requests(httpbin_url):
                response = console(user_client, connection, **fields)
                text = page(response, f"the console of {case} for {fields}")
                # A type that only answers challenges (Digest) sends nothing to a server that sets none.
                sent = dict(response.context["result"]["sent"]["headers"])
                assert "••••••••" in text or "Authorization" not in sent, (case, fields)

    def test_basic_auth_echoed_as_base64_is_masked(self, user_client, every_type, httpbin_url):
        response = console(user_client, every_type["basic"], url=f"{httpbin_url}/headers")
        result = response.context["result"]
        echoed = json.loads(result["body"])["headers"]["Authorization"]
        assert echoed == "Basic ••••••••"
        assert ("Authorization", "Basic ••••••••") in result["sent"]["headers"]
        page(response, "the console")

    def test_the_add_form_refused_does_not_show_the_values_back(self, user_client, connectors):
        for case, connector in connectors.items():
            if not typed(case):
                continue  # nothing is typed: the provider's pages authorize it
            response = add_connection(user_client, connector, name="", **EXAMPLES[case].credentials)
            text = page(response, f"the refused add form of {case}", status=400)
            assert "This field is required" in text
        assert not Connection.objects.exists()

    def test_the_values_form_refused_does_not_show_the_values_back(self, user_client, every_type):
        connection = every_type["basic"]
        url = reverse("connections:credentials", args=[connection.link_name])
        response = user_client.post(url, {"cred-username": "a:b", "cred-password": "new CANARY pw"})
        text = page(response, "the refused values form", status=400)
        assert "colon" in text
        connection.refresh_from_db()
        assert connection.secrets["password"] == EXAMPLES["basic"].credentials["password"]

    def test_a_refused_rename_does_not_show_a_secret(self, user_client, every_type):
        connection = every_type["bearer"]
        page(user_client.post(reverse("connections:rename", args=[connection.link_name]), {"name": ""}),
             "the refused rename", status=400)

    def test_the_test_result_and_activity_show_no_secret(self, user_client, every_type):
        for connection in every_type.values():
            response = user_client.post(reverse("connections:test", args=[connection.link_name]), follow=True)
            text = page(response, "the page after Test")
            assert "Test passed: POST" in text


class TestErrors:
    # Port 9 (discard) is closed on 127.0.0.1: the connect is refused at once.
    UNREACHABLE = "http://127.0.0.1:9/anything?page=1"

    def test_a_failed_connect_names_no_secret(self, user_client, every_type):
        for case, connection in every_type.items():
            with pytest.raises(outbound.OutboundError) as error:
                services.connection_request(connection, "POST", self.UNREACHABLE, data={"q": "1"})
            assert str(error.value) == "Could not connect to http://127.0.0.1:9."
            connection.refresh_from_db()
            assert connection.last_error == str(error.value) and connection.last_status is None

            response = console(user_client, connection, url=self.UNREACHABLE)
            assert "Could not connect to http://127.0.0.1:9" in page(response, "the console error", status=400)

            with pytest.raises(CommandError) as command_error:
                call_command("invokeurl", connection.link_name, "--url", self.UNREACHABLE, stdout=io.StringIO())
            assert str(command_error.value) == "Could not connect to http://127.0.0.1:9."
        assert_no_secret("\n".join(ConnectionEvent.objects.values_list("detail", flat=True)), "the events")

    def test_a_refused_destination_names_no_secret(self, every_type):
        # The API key is added to the query string; the refusal names only the origin.
        with pytest.raises(outbound.BlockedDestination) as error:
            services.connection_request(every_type["api_key"], "GET", "http://10.1.2.3/private?x=1")
        assert str(error.value).startswith("Refused to connect to 10.1.2.3")
        assert_no_secret(str(error.value), "the refusal")


def use_every_way(client, user, connectors, httpbin_url):
    """Add (with its test request), test, call from the console, invokeurl and the Python API, delete."""
    made = add_every_type(client, connectors, user)
    for connection in made.values():
        client.post(reverse("connections:test", args=[connection.link_name]))
        for fields in console_requests(httpbin_url):
            console(client, connection, **fields)
        out = io.StringIO()
        call_command("invokeurl", connection.link_name, "--url", f"{httpbin_url}/anything", "--type", "POST",
                     "--param", "a=1", "--body", "q=1", "--include", stdout=out)
        assert_no_secret(out.getvalue(), "invokeurl's output")
        services.connection_request(connection, "GET", f"{httpbin_url}/anything", params={"p": "1"})
        with pytest.raises(outbound.OutboundError):
            services.connection_request(connection, "GET", "http://127.0.0.1:9/")
        client.post(reverse("connections:delete", args=[connection.link_name]))
    assert not Connection.objects.exists()


# httpbin runs in this process but is the third party: werkzeug's are its server-side logs.
PEER_LOGGERS = ("werkzeug",)
# Libraries that log what they send at DEBUG; the settings keep them at WARNING (tests below).
CHATTY_LOGGERS = ("urllib3", "botocore")


class TestLogs:
    def test_the_configured_levels_log_no_secret(self, caplog, user_client, end_user, connectors, httpbin_url):
        caplog.set_level(logging.DEBUG)  # the root logger: DJANGO_LOG_LEVEL=DEBUG
        use_every_way(user_client, end_user, connectors, httpbin_url)
        assert any(record.name == "connections.services" for record in caplog.records)  # the deletions
        assert_no_secret(logged_text(caplog, skip=PEER_LOGGERS), "the logs")

    def test_every_other_logger_at_debug_logs_no_secret(self, all_logs, user_client, end_user, connectors, httpbin_url):
        use_every_way(user_client, end_user, connectors, httpbin_url)
        assert any(record.name.startswith("urllib3") for record in all_logs.records)  # the capture works
        assert_no_secret(logged_text(all_logs, skip=PEER_LOGGERS + CHATTY_LOGGERS), "the logs")

    def test_urllib3_at_debug_logs_no_secret(self, all_logs, user_client, end_user, connectors, httpbin_url):
        use_every_way(user_client, end_user, connectors, httpbin_url)
        assert_no_secret(logged_text(all_logs, skip=PEER_LOGGERS + ("botocore",)), "urllib3's logs")

    def test_botocore_at_debug_logs_no_secret(self, all_logs, user_client, end_user, connectors, httpbin_url):
        use_every_way(user_client, end_user, connectors, httpbin_url)
        assert_no_secret(logged_text(all_logs, skip=PEER_LOGGERS + ("urllib3",)), "botocore's logs")


class TestStorage:
    def test_the_audit_trail_holds_no_secret(self, user_client, every_type, httpbin_url):
        for case, connection in every_type.items():
            console(user_client, connection, url=f"{httpbin_url}/anything?page=1")
            if not typed(case):
                continue  # the provider issued them: there are no values to edit
            values = {f"cred-{key}": value.replace(WORD, "CHANGED")
                      for key, value in EXAMPLES[case].credentials.items()}
            response = user_client.post(reverse("connections:credentials", args=[connection.link_name]), values)
            assert response.status_code == 302
        details = list(ConnectionEvent.objects.values_list("detail", flat=True))
        assert len(details) >= 3 * len(every_type)
        assert_no_secret("\n".join(details), "ConnectionEvent.detail")

    def test_the_database_columns_hold_ciphertext_only(self, every_type):
        with db.cursor() as cursor:
            cursor.execute("SELECT secrets FROM connections_connection")
            tokens = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT * FROM connections_connection")
            rows = cursor.fetchall()
            cursor.execute("SELECT * FROM connections_connectionevent")
            rows += cursor.fetchall()
        assert len(tokens) == len(every_type)
        assert all(token.startswith("gAAAAA") for token in tokens)  # Fernet tokens
        assert_no_secret(repr(rows), "the database rows")

    def test_dumpdata_writes_ciphertext_only(self, every_type):
        out = io.StringIO()
        call_command("dumpdata", stdout=out)
        dumped = out.getvalue()
        assert_no_secret(dumped, "dumpdata's output")
        secrets = [row["fields"]["secrets"] for row in json.loads(dumped) if row["model"] == "connections.connection"]
        assert len(secrets) == len(every_type) and all(value.startswith("gAAAAA") for value in secrets)

    def test_dumpdata_then_loaddata_restores_the_secrets(self, every_type, tmp_path):
        before = {c.link_name: c.secrets for c in Connection.objects.all()}
        path = tmp_path / "connections.json"
        call_command("dumpdata", "connections.connection", output=str(path))
        Connection.objects.all().delete()
        call_command("loaddata", str(path), stdout=io.StringIO())
        assert {c.link_name: c.secrets for c in Connection.objects.all()} == before
