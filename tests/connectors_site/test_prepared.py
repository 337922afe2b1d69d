"""PreparedLookup: the SQL compiled once, the same instances as the queryset, every change seen at once."""

import datetime
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as db
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import PersonalAccessToken
from connections import services
from connections.models import Connection
from connectors_site.prepared import PreparedLookup
from tests.connections.conftest import BASIC_CONFIG, ready_connector  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

by_link_name = PreparedLookup(
    lambda owner_id, link_name: Connection.objects.filter(owner_id=owner_id, link_name=link_name)
    .select_related("connector").order_by()[:1],
    owner_id=int, link_name=str)


@pytest.fixture
def connection(ready_connector, end_user):
    connector = ready_connector("Prepared", "basic", BASIC_CONFIG, base_url="https://api.example.com/v1")
    return services.connection_create(connector=connector, owner=end_user, name="Mine",
                                      secrets={"username": "maria", "password": "s3cret-pw"})


def fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_it_reads_what_the_queryset_reads_with_the_related_row_and_every_column_converted(connection, end_user):
    expected = Connection.objects.select_related("connector").get(pk=connection.pk)
    with CaptureQueriesContext(db) as queries:
        found = by_link_name(owner_id=end_user.pk, link_name=connection.link_name)
        connector = found[0].connector  # select_related: no second query
    assert len(queries) == 1
    assert fields(found[0]) == fields(expected) and fields(connector) == fields(expected.connector)
    # Converted as the ORM converts: decrypted secrets, JSON, aware datetimes.
    assert found[0].secrets == {"username": "maria", "password": "s3cret-pw"}
    assert isinstance(connector.config, dict) and timezone.is_aware(found[0].created_at)
    assert not found[0]._state.adding and found[0]._state.db == "default"


def test_the_values_of_each_call_are_used_and_nothing_read_is_kept(connection, end_user, make_user):
    assert by_link_name(owner_id=make_user("someone-else").pk, link_name=connection.link_name) == []
    assert by_link_name(owner_id=end_user.pk, link_name="no_such_link") == []
    Connection.objects.filter(pk=connection.pk).update(name="Renamed")  # not through save(): nothing to notice
    assert by_link_name(owner_id=end_user.pk, link_name=connection.link_name)[0].name == "Renamed"


def test_a_revoked_token_is_seen_on_the_very_next_read(end_user):
    from api.models import token_from_text

    token, text = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    assert token_from_text(text).revoked_at is None
    PersonalAccessToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert token_from_text(text).revoked_at is not None
    assert token_from_text(text[:-1] + ("x" if text[-1] != "x" else "y")) is None  # the secret is still checked


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_on_its_own_database_connection(ready_connector, end_user):
    connector = ready_connector("Threads", "basic", BASIC_CONFIG, base_url="https://api.example.com/v1")
    connection = services.connection_create(connector=connector, owner=end_user, name="T",
                                            secrets={"username": "u", "password": "p4ssword"})
    assert by_link_name(owner_id=end_user.pk, link_name=connection.link_name)[0].pk == connection.pk
    seen = []

    def other_thread():
        try:
            seen.append(by_link_name(owner_id=end_user.pk, link_name=connection.link_name)[0].pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == [connection.pk]
    assert len(by_link_name._compiled) >= 1


@pytest.mark.parametrize("build, parameters, refusal", [
    # The value does not reach the SQL as given: the lookup cannot be prepared.
    (lambda name: Connection.objects.filter(name__icontains=name), {"name": str}, "does not take name"),
    (lambda link: Connection.objects.filter(link_name__startswith=link), {"link": str}, "does not take link"),
    (lambda name: Connection.objects.filter(name=name).values("pk"), {"name": str}, "model instances only"),
    (lambda name: Connection.objects.filter(name=name).extra(select={"x": "1"}), {"name": str}, "annotations"),
    (lambda when: Connection.objects.filter(created_at=when), {"when": datetime.datetime}, "str or an int"),
])
def test_what_cannot_be_prepared_is_refused_when_first_run(build, parameters, refusal):
    with pytest.raises(ImproperlyConfigured, match=refusal):
        PreparedLookup(build, **parameters)(**{name: kind() for name, kind in parameters.items()
                                               if kind in (int, str)})


def test_a_token_with_the_connection_it_names_in_one_query_only_its_users(connection, end_user, make_user):
    from api.models import token_from_text

    _, text = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    _, others = PersonalAccessToken.issue(user=make_user("other"), name="o", scopes=["proxy"], expires_at=None)
    with CaptureQueriesContext(db) as queries:
        token = token_from_text(text, connection_named=connection.link_name)
        named = token.named_connection
        assert (named.pk, named.connector.pk, token.user.pk) == (connection.pk, connection.connector_id, end_user.pk)
    assert len(queries) == 1 and named.secrets == {"username": "maria", "password": "s3cret-pw"}
    assert not hasattr(token_from_text(others, connection_named=connection.link_name), "named_connection")
    assert not hasattr(token_from_text(text, connection_named="no_such_link"), "named_connection")


def test_a_column_left_out_is_not_read_loads_when_asked_and_is_kept_on_save(connection, end_user):
    from api.models import token_from_text
    from builder.models import Connector

    logo = bytes(range(256)) * 200  # 51 kB, as a logo the builder stored
    Connector.objects.filter(pk=connection.connector_id).update(logo=logo)
    _, text = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    with CaptureQueriesContext(db) as queries:
        connector = token_from_text(text, connection_named=connection.link_name).named_connection.connector
    assert len(queries) == 1 and '"logo"' not in queries[0]["sql"] and '"logo_hash"' in queries[0]["sql"]
    assert connector.get_deferred_fields() == {"logo"} and connector.name == "Prepared"
    connector.name = "Renamed"
    connector.save()  # writes what was read: the logo stays
    with CaptureQueriesContext(db) as queries:
        assert bytes(connector.logo) == logo  # loaded when asked
    assert len(queries) == 1
    assert bytes(Connector.objects.get(pk=connector.pk).logo) == logo
    assert Connector.objects.get(pk=connector.pk).name == "Renamed"
    # No such connection: nothing to leave out on.
    assert token_from_text(text, connection_named="no_such_link").__dict__.get("named_connection") is None


def test_a_column_to_leave_out_must_be_read_once_by_the_queryset(connection, end_user):
    not_read = PreparedLookup(lambda owner_id: Connection.objects.filter(owner_id=owner_id).order_by()[:1],
                              leave_out=("connector__logo",), owner_id=int)
    with pytest.raises(ImproperlyConfigured, match="read 0 times"):
        not_read(owner_id=end_user.pk)
    read = PreparedLookup(lambda owner_id: Connection.objects.filter(owner_id=owner_id).select_related("connector")
                          .order_by()[:1], leave_out=("connector__logo",), owner_id=int)
    assert read(owner_id=end_user.pk)[0].connector.get_deferred_fields() == {"logo"}


def prepared_runs(statement_part):
    """How many times PostgreSQL ran, as a prepared statement, a statement of this connection's holding the text."""
    with db.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements "
                       "WHERE statement LIKE %s", [f"%{statement_part}%"])
        return cursor.fetchone()[0]


READ = 'FROM "api_personalaccesstoken" INNER JOIN "auth_user"'  # the token read's text, as PostgreSQL keeps it


def test_on_postgresql_a_read_run_again_is_prepared_there(connection, end_user):
    """settings.py binds parameters on the server and has psycopg prepare what a connection runs 5 times: from then
    on PostgreSQL runs the proxy's token read without parsing and planning it again."""
    if db.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    from api.models import token_from_text

    _, text = PersonalAccessToken.issue(user=end_user, name="t", scopes=["proxy"], expires_at=None)
    for _ in range(6):
        assert token_from_text(text, connection_named=connection.link_name).named_connection.pk == connection.pk
    runs = prepared_runs(READ)
    for _ in range(3):
        with CaptureQueriesContext(db) as queries:  # still seen by Django's instrumentation
            assert token_from_text(text, connection_named=connection.link_name).named_connection.pk == connection.pk
        assert len(queries) == 1
    assert runs >= 1 and prepared_runs(READ) == runs + 3
