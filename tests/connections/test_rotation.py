"""Key rotation: rotate_encryption_keys re-encrypts every secret under the first key, safely.

connectors_site.crypto.multifernet() is cached by the tuple of keys, so override_settings
switches keys at once.
"""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from builder.models import Connector
from connections import services
from connections.models import Connection
from connectors_site.crypto import multifernet
from connectors_site.management.commands.rotate_encryption_keys import Command
from tests.connections.conftest import BASIC_CONFIG, BEARER_CONFIG
from tests.connections.test_key_based import console

pytestmark = pytest.mark.django_db

KEY_A, KEY_B, KEY_C, KEY_LOST = (Fernet.generate_key().decode() for _ in range(4))
CLIENT_SECRET = {"client_secret": "client-secret-value"}
BASIC_SECRETS = {"username": "maria", "password": "s3cret-pw"}
BEARER_SECRETS = {"token": "tok-rotation-123"}
OAUTH2_CONFIG = {"grant_type": "client_credentials", "client_id": "app", "client_auth": "client_secret_basic",
                 "token_url": "https://auth.example.com/token", "bearer_name": "Bearer", "expiry_seconds": 3600}


def keys(*keys):
    return override_settings(CONNECTORS_ENCRYPTION_KEYS=list(keys))


def rotate(*args):
    """Run the command with the keys configured now; return (its summary, the last line of stdout; stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines()[-1], err.getvalue()


def stored_tokens():
    """Return the raw column of every encrypted row: {(table, pk): token}."""
    tokens = {}
    with db.cursor() as cursor:
        for table in ("builder_connector", "connections_connection"):
            cursor.execute(f"SELECT id, secrets FROM {table}")
            tokens.update({(table, pk): token for pk, token in cursor.fetchall()})
    return tokens


def decrypts(key, token):
    try:
        Fernet(key).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def only_key(key, all_keys=(KEY_A, KEY_B, KEY_C, KEY_LOST)):
    """Assert every stored token decrypts with key and with no other."""
    tokens = stored_tokens()
    assert tokens
    for where, token in tokens.items():
        assert decrypts(key, token), where
        assert not any(decrypts(other, token) for other in all_keys if other != key), where


@pytest.fixture
def stored_under_a(ready_connector, end_user, httpbin_url):
    """Two connectors (one with a client secret) and two connections, all encrypted under key A."""
    with keys(KEY_A):
        oauth = ready_connector("Zylker OAuth", "oauth2", OAUTH2_CONFIG, secrets=CLIENT_SECRET)
        basic = ready_connector("Zylker Basic", "basic", BASIC_CONFIG,
                                test_url=f"{httpbin_url}/basic-auth/maria/s3cret-pw")
        bearer = ready_connector("Zylker Bearer", "bearer", BEARER_CONFIG)
        made = [
            services.connection_create(connector=basic, owner=end_user, name="Basic one", secrets=BASIC_SECRETS),
            services.connection_create(connector=bearer, owner=end_user, name="Bearer one", secrets=BEARER_SECRETS),
        ]
    return oauth, made


def assert_values_readable(oauth, made):
    assert Connector.objects.get(pk=oauth.pk).secrets == CLIENT_SECRET
    assert [Connection.objects.get(pk=c.pk).secrets for c in made] == [BASIC_SECRETS, BEARER_SECRETS]


class TestThreeKeys:
    def test_a_then_b_then_c(self, stored_under_a, httpbin_url):
        oauth, made = stored_under_a
        rows = len(stored_tokens())
        assert rows == 5  # three connectors, two connections
        only_key(KEY_A)

        with keys(KEY_B, KEY_A):
            assert rotate() == (f"{rows} re-encrypted, 0 already current, 0 changed meanwhile, 0 undecryptable", "")
        only_key(KEY_B)
        with keys(KEY_B):
            assert_values_readable(oauth, made)
            response = services.connection_request(Connection.objects.get(pk=made[0].pk), "GET",
                                                   f"{httpbin_url}/basic-auth/maria/s3cret-pw")
            assert response.status_code == 200
        with keys(KEY_B, KEY_A):
            assert rotate()[0] == f"0 re-encrypted, {rows} already current, 0 changed meanwhile, 0 undecryptable"

        with keys(KEY_C, KEY_B):
            assert rotate()[0].startswith(f"{rows} re-encrypted, 0 already current")
        only_key(KEY_C)
        with keys(KEY_C):
            assert_values_readable(oauth, made)
            assert rotate()[0] == f"0 re-encrypted, {rows} already current, 0 changed meanwhile, 0 undecryptable"

    def test_the_old_key_alone_reads_nothing_after_rotation(self, stored_under_a):
        oauth, made = stored_under_a
        with keys(KEY_B, KEY_A):
            rotate()
        with keys(KEY_A):
            assert Connection.objects.get(pk=made[0].pk).needs_reconfiguration
            assert Connector.objects.get(pk=oauth.pk).secrets_lost

    def test_values_saved_during_the_transition_use_the_new_key(self, stored_under_a):
        _, made = stored_under_a
        with keys(KEY_B, KEY_A):
            services.connection_update_secrets(connection=Connection.objects.get(pk=made[1].pk), user=None,
                                               secrets={"token": "tok-new-456"})
            assert rotate()[0].startswith("4 re-encrypted, 1 already current")
        with keys(KEY_B):
            assert Connection.objects.get(pk=made[1].pk).secrets == {"token": "tok-new-456"}


@pytest.fixture
def lost(ready_connector, end_user, stored_under_a):
    """A connection (and a connector) stored under a key nobody configures any more; the rest under A."""
    with keys(KEY_LOST):
        connector = ready_connector("Zylker Lost", "bearer", BEARER_CONFIG, secrets={"x": "y"})
        connection = services.connection_create(connector=connector, owner=end_user, name="Lost one",
                                                 secrets=BEARER_SECRETS)
    return connector, connection


class TestUndecryptable:
    def test_it_is_reported_and_left_as_is(self, lost):
        connector, connection = lost
        before = stored_tokens()
        with keys(KEY_B, KEY_A):
            out, err = rotate()
        assert out == "5 re-encrypted, 0 already current, 0 changed meanwhile, 2 undecryptable"
        assert f"connections.Connection #{connection.pk}: no configured key decrypts secrets; it needs to be " \
               "reconfigured." in err
        assert f"builder.Connector #{connector.pk}: no configured key decrypts secrets" in err
        after = stored_tokens()
        for where in (("connections_connection", connection.pk), ("builder_connector", connector.pk)):
            assert after[where] == before[where]
        with keys(KEY_LOST):  # the right key, configured again later, still reads it
            assert Connection.objects.get(pk=connection.pk).secrets == BEARER_SECRETS

    def test_its_pages_say_it_needs_to_be_reconfigured(self, lost, user_client):
        _, connection = lost
        with keys(KEY_A):
            detail = user_client.get(connection.get_absolute_url())
            assert detail.status_code == 200
            assert "needs to be reconfigured" in detail.content.decode()
            listing = user_client.get(reverse("connections:list"))
            assert listing.status_code == 200
            text = listing.content.decode()
            assert "Needs to be reconfigured" in text and "Basic one" in text and "Bearer one" in text
            assert text.count("Needs to be reconfigured") == 1
            home = user_client.get(reverse("microservices"))
            assert home.status_code == 200 and "Needs to be reconfigured" in home.content.decode()
            assert user_client.get(reverse("connections:credentials", args=[connection.link_name])).status_code == 200

    def test_calls_through_it_are_refused_clearly(self, lost, user_client, httpbin_url):
        _, connection = lost
        message = "This connection needs to be reconfigured: its stored values can no longer be decrypted."
        with keys(KEY_A):
            connection = Connection.objects.get(pk=connection.pk)
            with pytest.raises(services.ConnectionNeedsReconfiguration, match="needs to be reconfigured"):
                services.connection_request(connection, "GET", f"{httpbin_url}/get")
            response = console(user_client, connection, url=f"{httpbin_url}/get")
            assert response.status_code == 400 and message in response.content.decode()
            with pytest.raises(CommandError, match="needs to be reconfigured"):
                call_command("invokeurl", connection.link_name, "--url", f"{httpbin_url}/get", stdout=io.StringIO())
            tested = user_client.post(reverse("connections:test", args=[connection.link_name]), follow=True)
            assert "The test request could not be made: This connection needs to be reconfigured" in \
                tested.content.decode()
            assert Connection.objects.get(pk=connection.pk).last_used_at is None

    def test_other_edits_keep_its_ciphertext(self, lost, user_client):
        _, connection = lost
        before = stored_tokens()[("connections_connection", connection.pk)]
        with keys(KEY_A):
            user_client.post(reverse("connections:rename", args=[connection.link_name]), {"name": "Renamed"})
            user_client.post(reverse("connections:toggle", args=[connection.link_name]))
            row = Connection.objects.get(pk=connection.pk)
            row.save()  # a full save, as the admin does
        assert stored_tokens()[("connections_connection", connection.pk)] == before
        with keys(KEY_LOST):
            row = Connection.objects.get(pk=connection.pk)
            assert row.name == "Renamed" and not row.enabled and row.secrets == BEARER_SECRETS

    def test_entering_the_values_again_fixes_it(self, lost, user_client, httpbin_url):
        _, connection = lost
        with keys(KEY_A):
            url = reverse("connections:credentials", args=[connection.link_name])
            assert user_client.post(url, {"cred-token": ""}).status_code == 400  # nothing stored to keep
            assert user_client.post(url, {"cred-token": "tok-fresh-789"}).status_code == 302
            row = Connection.objects.get(pk=connection.pk)
            assert not row.needs_reconfiguration and row.secrets == {"token": "tok-fresh-789"}
            response = services.connection_request(row, "GET", f"{httpbin_url}/bearer")
            assert response.status_code == 200
        assert decrypts(KEY_A, stored_tokens()[("connections_connection", connection.pk)])


class TestConcurrentWrite:
    def test_a_value_saved_after_the_read_wins(self, stored_under_a):
        """The app saves a new value between the command's SELECT and its UPDATE."""
        _, made = stored_under_a
        table, column, pk = (db.ops.quote_name(name) for name in ("connections_connection", "secrets", "id"))
        row_pk = made[1].pk
        stale = stored_tokens()[("connections_connection", row_pk)]
        with keys(KEY_B, KEY_A):
            services.connection_update_secrets(connection=Connection.objects.get(pk=row_pk), user=None,
                                               secrets={"token": "tok-saved-meanwhile"})
            outcome = Command.rotate_row(Fernet(KEY_B), multifernet(), table, column, pk, row_pk, stale)
            assert outcome == "changed meanwhile"
            assert Connection.objects.get(pk=row_pk).secrets == {"token": "tok-saved-meanwhile"}
        assert decrypts(KEY_B, stored_tokens()[("connections_connection", row_pk)])

    def test_an_unchanged_row_is_swapped(self, stored_under_a):
        _, made = stored_under_a
        table, column, pk = (db.ops.quote_name(name) for name in ("connections_connection", "secrets", "id"))
        row_pk = made[1].pk
        token = stored_tokens()[("connections_connection", row_pk)]
        with keys(KEY_B, KEY_A):
            assert Command.rotate_row(Fernet(KEY_B), multifernet(), table, column, pk, row_pk, token) == \
                "re-encrypted"
        assert decrypts(KEY_B, stored_tokens()[("connections_connection", row_pk)])
        with keys(KEY_B):
            assert Connection.objects.get(pk=row_pk).secrets == BEARER_SECRETS

    def test_a_row_deleted_meanwhile_is_not_recreated(self, stored_under_a):
        _, made = stored_under_a
        table, column, pk = (db.ops.quote_name(name) for name in ("connections_connection", "secrets", "id"))
        row_pk = made[1].pk
        token = stored_tokens()[("connections_connection", row_pk)]
        Connection.objects.filter(pk=row_pk).delete()
        with keys(KEY_B, KEY_A):
            assert Command.rotate_row(Fernet(KEY_B), multifernet(), table, column, pk, row_pk, token) == \
                "changed meanwhile"
        assert not Connection.objects.filter(pk=row_pk).exists()


class TestChunks:
    def test_rows_are_read_and_swapped_a_chunk_at_a_time_with_progress(self, stored_under_a, end_user):
        _, made = stored_under_a
        with keys(KEY_A):
            bearer = made[1].connector
            for number in range(5):
                services.connection_create(connector=bearer, owner=end_user, name=f"More {number}",
                                           secrets={"token": f"tok-more-{number}"})
        out, err = io.StringIO(), io.StringIO()
        with keys(KEY_B, KEY_A), CaptureQueriesContext(db) as queries:
            call_command("rotate_encryption_keys", "--chunk-size", "2", stdout=out, stderr=err)
        lines = out.getvalue().splitlines()
        assert "connections.Connection.secrets: 2 of 7 rows" in lines
        assert "connections.Connection.secrets: 6 of 7 rows" in lines
        assert "connections.Connection.secrets: 7 of 7 rows" in lines
        assert "builder.Connector.secrets: 3 of 3 rows" in lines
        assert lines[-1] == "10 re-encrypted, 0 already current, 0 changed meanwhile, 0 undecryptable"
        only_key(KEY_B)
        # Every read is one bounded chunk: memory stays flat however many rows there are.
        reads = [query["sql"] for query in queries.captured_queries
                 if query["sql"].startswith("SELECT") and "COUNT" not in query["sql"] and "secrets" in query["sql"]]
        assert reads and all("LIMIT 2" in sql for sql in reads)
        with keys(KEY_B):
            assert Connection.objects.get(name="More 4").secrets == {"token": "tok-more-4"}

    def test_a_chunk_is_swapped_in_one_transaction(self, stored_under_a, monkeypatch):
        """A failure in the middle of a chunk leaves the whole chunk as it was (the transaction is rolled back)."""
        swapped = []
        real_swap = Command.swap

        def swap(*args):
            if len(swapped) == 1:
                raise RuntimeError("stop in the middle of the chunk")
            swapped.append(args)
            return real_swap(*args)

        monkeypatch.setattr(Command, "swap", staticmethod(swap))
        before = stored_tokens()
        with keys(KEY_B, KEY_A), pytest.raises(RuntimeError):
            rotate("--chunk-size", "5")
        assert stored_tokens() == before
