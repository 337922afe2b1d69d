"""A connection's life: test, rename, disable and enable, delete; what each use records."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from connections import services
from connections.models import Connection, ConnectionEvent
from connectors_site import outbound
from tests.connections.conftest import BASIC_CONFIG, BEARER_CONFIG, UNREACHABLE
from tests.connections.test_key_based import add_connection, console

pytestmark = pytest.mark.django_db
Action = ConnectionEvent.Action
DISABLED = "This connection is disabled. Enable it on its page to use it again."


@pytest.fixture
def basic_connection(ready_connector, end_user, httpbin_url):
    connector = ready_connector("Zylker Basic", "basic", BASIC_CONFIG,
                                test_url=f"{httpbin_url}/basic-auth/maria/s3cret-pw", api_origins=UNREACHABLE)
    return services.connection_create(connector=connector, owner=end_user, name="Sales Zylker",
                                      secrets={"username": "maria", "password": "s3cret-pw"})


def actions(connection):
    return list(connection.events.order_by("pk").values_list("action", flat=True))


def post(client, name, connection, data=None, **kwargs):
    return client.post(reverse(f"connections:{name}", args=[connection.link_name]), data or {}, **kwargs)


class TestTestButton:
    def test_passes_then_fails_with_a_wrong_password(self, user_client, basic_connection):
        response = post(user_client, "test", basic_connection, follow=True)
        assert "Test passed: GET" in response.content.decode()
        basic_connection.refresh_from_db()
        assert basic_connection.last_test_ok and basic_connection.status == Connection.Status.CONNECTED

        services.connection_update_secrets(connection=basic_connection, user=None,
                                           secrets={"username": "maria", "password": "wrong-pw"})
        response = post(user_client, "test", basic_connection, follow=True)
        text = response.content.decode()
        assert "Test failed: GET" in text and "401" in text and "Check the values you entered." in text
        basic_connection.refresh_from_db()
        assert basic_connection.last_test_ok is False and basic_connection.status == Connection.Status.FAILING
        tested = basic_connection.events.filter(action=Action.TESTED).order_by("pk")
        assert list(tested.values_list("detail", flat=True)) == ["passed", "failed"]

    def test_a_connector_without_test_request_says_so(self, user_client, ready_connector, end_user):
        connector = ready_connector("Zylker Bearer", "bearer", BEARER_CONFIG)
        connection = services.connection_create(connector=connector, owner=end_user, name="B",
                                                secrets={"token": "tok-123456"})
        result = services.connection_test(connection=connection, user=end_user)
        assert result.ok and "defines no test request" in result.message


class TestRename:
    def test_keeps_the_link_name(self, user_client, basic_connection):
        url = reverse("connections:rename", args=[basic_connection.link_name])
        form = user_client.get(url)
        assert form.status_code == 200 and 'value="Sales Zylker"' in form.content.decode()

        response = user_client.post(url, {"name": "Marketing Zylker"})
        assert response.status_code == 302 and response["Location"] == basic_connection.get_absolute_url()
        renamed = Connection.objects.get(pk=basic_connection.pk)
        assert renamed.name == "Marketing Zylker" and renamed.link_name == "sales_zylker"
        event = renamed.events.get(action=Action.RENAMED)
        assert event.detail == "Sales Zylker → Marketing Zylker"
        call_command("invokeurl", "sales_zylker", "--url", f"{basic_connection.connector.test_url}",
                     stdout=io.StringIO())

    def test_a_blank_name_is_refused_next_to_the_field(self, user_client, basic_connection):
        response = post(user_client, "rename", basic_connection, {"name": ""})
        assert response.status_code == 400
        assert response.context["form"].errors == {"name": ["This field is required."]}
        assert "Rename Sales Zylker" in response.content.decode()  # the page still names it as saved
        assert Connection.objects.get(pk=basic_connection.pk).name == "Sales Zylker"


class TestDisable:
    def test_calls_are_refused_until_enabled_again(self, user_client, basic_connection, httpbin_url):
        response = post(user_client, "toggle", basic_connection, follow=True)
        text = response.content.decode()
        assert "Connection disabled." in text and ">Disabled<" in text and ">Enable<" in text
        basic_connection.refresh_from_db()
        assert not basic_connection.enabled

        response = console(user_client, basic_connection, url=f"{httpbin_url}/get")
        assert response.status_code == 400 and DISABLED in response.content.decode()
        with pytest.raises(CommandError, match="disabled"):
            call_command("invokeurl", basic_connection.link_name, "--url", f"{httpbin_url}/get",
                         stdout=io.StringIO())
        with pytest.raises(services.ConnectionDisabled, match="disabled"):
            services.connection_request(basic_connection, "GET", f"{httpbin_url}/get")
        tested = services.connection_test(connection=basic_connection, user=None)
        assert not tested.ok and "disabled" in tested.message
        basic_connection.refresh_from_db()
        assert basic_connection.last_used_at is None

        response = post(user_client, "toggle", basic_connection, follow=True)
        assert "Connection enabled." in response.content.decode()
        basic_connection.refresh_from_db()
        assert basic_connection.enabled
        assert console(user_client, basic_connection, url=f"{httpbin_url}/get").status_code == 200
        assert actions(basic_connection) == [Action.CREATED, Action.DISABLED, Action.TESTED, Action.ENABLED,
                                             Action.USED]


class TestDelete:
    def test_asks_for_confirmation_then_deletes(self, user_client, basic_connection):
        url = reverse("connections:delete", args=[basic_connection.link_name])
        page = user_client.get(url)
        text = page.content.decode()
        assert page.status_code == 200 and "Delete connection?" in text
        assert "Sales Zylker" in text and "sales_zylker" in text
        assert Connection.objects.filter(pk=basic_connection.pk).exists()

        response = user_client.post(url, follow=True)
        assert response.redirect_chain[-1][0] == reverse("connections:list")
        assert "Connection Sales Zylker deleted." in response.content.decode()
        assert not Connection.objects.exists() and not ConnectionEvent.objects.exists()
        assert user_client.get(basic_connection.get_absolute_url()).status_code == 404


class TestLinkNames:
    def test_are_unique(self, user_client, ready_connector, make_user):
        connector = ready_connector("Zylker Bearer", "bearer", BEARER_CONFIG)
        for _ in range(2):
            assert add_connection(user_client, connector, name="Sales", token="tok-123456").status_code == 302
        other = services.connection_create(connector=connector, owner=make_user("alice"), name="Sales",
                                           secrets={"token": "tok-654321"})
        assert sorted(Connection.objects.values_list("link_name", flat=True)) == ["sales", "sales_2", "sales_3"]
        assert other.link_name == "sales_3"


class TestWhatAUseRecords:
    def test_success_then_http_error(self, basic_connection, httpbin_url):
        response = services.connection_request(basic_connection, "GET", f"{httpbin_url}/get")
        assert response.status_code == 200
        stored = Connection.objects.get(pk=basic_connection.pk)
        assert stored.last_used_at is not None and stored.last_status == 200 and stored.last_error == ""
        first_use = stored.last_used_at

        response = services.connection_request(basic_connection, "GET", f"{httpbin_url}/status/500?x=1")
        assert response.status_code == 500
        stored = Connection.objects.get(pk=basic_connection.pk)
        assert stored.last_status == 500 and stored.last_error == "HTTP 500 INTERNAL SERVER ERROR"
        assert stored.last_used_at >= first_use
        used = stored.events.filter(action=Action.USED).order_by("pk")
        assert list(used.values_list("detail", flat=True)) == [
            f"GET {httpbin_url}/get → 200", f"GET {httpbin_url}/status/500 → 500"]

        services.connection_request(basic_connection, "GET", f"{httpbin_url}/get")
        assert Connection.objects.get(pk=basic_connection.pk).last_error == ""

    def test_an_unreachable_url(self, basic_connection):
        with pytest.raises(outbound.OutboundError, match="Could not connect to http://127.0.0.1:9"):
            services.connection_request(basic_connection, "GET", "http://127.0.0.1:9/")
        stored = Connection.objects.get(pk=basic_connection.pk)
        assert stored.last_used_at is not None and stored.last_status is None
        assert stored.last_error == "Could not connect to http://127.0.0.1:9."

    def test_the_detail_page_shows_the_last_use(self, user_client, basic_connection, httpbin_url):
        services.connection_request(basic_connection, "GET", f"{httpbin_url}/status/500")
        text = user_client.get(basic_connection.get_absolute_url()).content.decode()
        assert "last status 500" in text and "last error: HTTP 500 INTERNAL SERVER ERROR" in text


class TestConsoleRefusals:
    @pytest.mark.parametrize("fields,field,message", [
        ({"url": "not a url"}, "url", "Give a URL (https://...) or a path without spaces"),
        ({"url": "https://exa mple.com/x"}, "url", "Enter a valid URL."),
        ({"url": ""}, "url", "This field is required."),
        ({"body_type": "json", "method": "POST", "body": "{'a': 1}"}, "body", "This is not valid JSON"),
        ({"headers": "X-Trace 7"}, "headers", "Line 1: write one header per line as “name:value”."),
        ({"params": "a=1\nb"}, "params", "Line 2: write one parameter per line as “name=value”."),
        ({"body_type": "form", "method": "POST", "body": "q"}, "body", "Line 1: write one form field per line"),
        ({"body": "hello"}, "body_type", "Choose JSON or Form to send a body."),
        ({"method": "TRACE"}, "method", "Select a valid choice."),
    ], ids=["bad-url", "bad-absolute-url", "no-url", "bad-json", "header-without-colon", "param-without-equals", "bad-form",
            "body-without-type", "bad-method"])
    def test_are_a_400_with_the_message_next_to_the_field(self, user_client, basic_connection, httpbin_url,
                                                          fields, field, message):
        response = console(user_client, basic_connection, **{"url": f"{httpbin_url}/anything", **fields})
        assert response.status_code == 400
        errors = response.context["console_form"].errors
        assert list(errors) == [field] and message in errors[field][0]
        assert message in response.content.decode()
        assert Connection.objects.get(pk=basic_connection.pk).last_used_at is None

    def test_a_connection_error_is_a_400_with_the_message(self, user_client, basic_connection):
        response = console(user_client, basic_connection, url="http://127.0.0.1:9/")
        assert response.status_code == 400
        assert response.context["console_form"].non_field_errors() == ["Could not connect to http://127.0.0.1:9."]
