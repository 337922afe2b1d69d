"""Add a connection of each key-based type through the pages and call real servers through it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from connections.models import Connection, ConnectionEvent
from tests.connections.conftest import BASIC_CONFIG, BEARER_CONFIG, api_key_config

pytestmark = pytest.mark.django_db


def add_connection(client, connector, **values):
    data = {"name": values.pop("name", "My connection")}
    data.update({f"cred-{key}": value for key, value in values.items()})
    return client.post(reverse("connections:add", args=[connector.pk]), data)


def console(client, connection, **fields):
    data = {"method": "GET", "body_type": "none", **fields}
    return client.post(reverse("connections:console", args=[connection.link_name]), data)


class TestBasic:
    def test_right_password_passes_the_test(self, user_client, ready_connector, httpbin_url):
        connector = ready_connector("Zylker Basic", "basic", BASIC_CONFIG,
                                    test_url=f"{httpbin_url}/basic-auth/maria/s3cret-pw")
        page = user_client.get(reverse("connections:add", args=[connector.pk]))
        assert "Account" in page.content.decode() and "Secret word" in page.content.decode()

        response = add_connection(user_client, connector, username="maria", password="s3cret-pw")
        connection = Connection.objects.get()
        assert response.status_code == 302 and response["Location"] == connection.get_absolute_url()
        assert connection.status == Connection.Status.CONNECTED and connection.last_test_ok
        assert connection.link_name == "my_connection"
        assert "Test passed: GET" in user_client.get(response["Location"]).content.decode()

    def test_wrong_password_says_why_and_values_can_be_fixed(self, user_client, ready_connector, httpbin_url):
        connector = ready_connector("Zylker Basic", "basic", BASIC_CONFIG,
                                    test_url=f"{httpbin_url}/basic-auth/maria/s3cret-pw")
        add_connection(user_client, connector, username="maria", password="wrong-pw")
        connection = Connection.objects.get()
        assert connection.status == Connection.Status.FAILING
        assert "401" in connection.last_test_message and "Check the values" in connection.last_test_message

        # Fix only the password; the username is shown back, the password is not.
        url = reverse("connections:credentials", args=[connection.link_name])
        form = user_client.get(url).content.decode()
        assert 'value="maria"' in form and "wrong-pw" not in form
        response = user_client.post(url, {"cred-username": "maria", "cred-password": "s3cret-pw"})
        assert response.status_code == 302
        connection.refresh_from_db()
        assert connection.status == Connection.Status.CONNECTED

    def test_blank_password_on_edit_keeps_the_stored_one(self, user_client, ready_connector, httpbin_url):
        connector = ready_connector("Zylker Basic", "basic", BASIC_CONFIG,
                                    test_url=f"{httpbin_url}/basic-auth/maria/s3cret-pw")
        add_connection(user_client, connector, username="maria", password="s3cret-pw")
        connection = Connection.objects.get()
        url = reverse("connections:credentials", args=[connection.link_name])
        user_client.post(url, {"cred-username": "maria", "cred-password": ""})
        connection.refresh_from_db()
        assert connection.secrets["password"] == "s3cret-pw" and connection.last_test_ok

    @pytest.mark.parametrize("values,field,message", [
        ({"username": "", "password": "x"}, "cred-username", "required"),
        ({"username": "a:b", "password": "x"}, "cred-username", "colon"),
        ({"username": "maria", "password": ""}, "cred-password", "required"),
    ])
    def test_refusals(self, user_client, ready_connector, values, field, message):
        connector = ready_connector("Zylker Basic", "basic", BASIC_CONFIG)
        response = add_connection(user_client, connector, **values)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not Connection.objects.exists()

    def test_refused_connection_name(self, user_client, ready_connector):
        connector = ready_connector("Zylker Basic", "basic", BASIC_CONFIG)
        response = add_connection(user_client, connector, name="", username="maria", password="pw")
        assert response.status_code == 400 and not Connection.objects.exists()


class TestApiKey:
    CONFIG = api_key_config(("API Key", "X-API-Key", "header"), ("Account", "account", "query"),
                            ("Signature", "sig", "form"))

    def values(self):
        return {"header:X-API-Key": "hdr-canary-1", "query:account": "qry-canary-2", "form:sig": "frm-canary-3"}

    def test_each_value_is_sent_where_configured(self, user_client, ready_connector, httpbin_url):
        connector = ready_connector("Zylker Keys", "api_key", self.CONFIG, test_url=f"{httpbin_url}/anything",
                                    test_method="POST")
        add_connection(user_client, connector, **self.values())
        connection = Connection.objects.get()
        assert connection.last_test_ok, connection.last_test_message

        response = console(user_client, connection, method="POST", url=f"{httpbin_url}/anything",
                           params="page=2", body_type="form", body="q=hello")
        assert response.status_code == 200
        echoed = json.loads(response.context["result"]["body"])
        assert echoed["args"] == {"page": "2", "account": "••••••••"}
        assert echoed["form"] == {"q": "hello", "sig": "••••••••"}
        assert echoed["headers"]["X-Api-Key"] == "••••••••"
        page = response.content.decode()
        for secret in self.values().values():
            assert secret not in page

    def test_form_key_with_a_json_body_is_refused_clearly(self, user_client, ready_connector, httpbin_url):
        connector = ready_connector("Zylker Keys", "api_key", self.CONFIG)
        add_connection(user_client, connector, **self.values())
        connection = Connection.objects.get()
        response = console(user_client, connection, method="POST", url=f"{httpbin_url}/anything",
                           body_type="json", body='{"a": 1}')
        assert response.status_code == 400
        assert "cannot be added to a application/json body" in response.content.decode()


class TestBearer:
    def test_token_with_prefix(self, user_client, ready_connector, httpbin_url):
        connector = ready_connector("Zylker Bearer", "bearer", BEARER_CONFIG, test_url=f"{httpbin_url}/bearer")
        assert "Access Token" in user_client.get(reverse("connections:add", args=[connector.pk])).content.decode()
        add_connection(user_client, connector, token="tok-canary-123")
        connection = Connection.objects.get()
        assert connection.last_test_ok
        sent = console(user_client, connection, url=f"{httpbin_url}/headers").context["result"]["sent"]
        assert ("Authorization", "Bearer ••••••••") in sent["headers"]

    def test_empty_prefix_sends_the_token_alone(self, user_client, ready_connector, httpbin_url):
        config = {**BEARER_CONFIG, "token_prefix": ""}
        connector = ready_connector("Zylker Raw", "bearer", config)
        add_connection(user_client, connector, token="tok-canary-123")
        connection = Connection.objects.get()
        from connections.services import connection_request

        response = connection_request(connection, "GET", f"{httpbin_url}/headers")
        assert response.json()["headers"]["Authorization"] == "tok-canary-123"

    def test_httpbin_refuses_without_token(self, user_client, ready_connector, httpbin_url):
        # The test endpoint really checks: a connection whose token is sent under the wrong
        # scheme still passes /bearer only when the header is a Bearer one.
        config = {**BEARER_CONFIG, "token_prefix": "Token"}
        connector = ready_connector("Zylker Token", "bearer", config, test_url=f"{httpbin_url}/bearer")
        add_connection(user_client, connector, token="tok-canary-123")
        assert Connection.objects.get().status == Connection.Status.FAILING


class TestAws:
    def test_s3_and_sts_with_the_right_secret(self, user_client, ready_connector, moto_server):
        key_id, secret = moto_server.create_user_key()
        connector = ready_connector("Zylker S3", "aws_sigv4", {"service": "s3", "region": moto_server.region},
                                    test_url=f"{moto_server.url}/")
        add_connection(user_client, connector, access_key_id=key_id, secret_access_key=secret)
        connection = Connection.objects.get()
        assert connection.last_test_ok, connection.last_test_message

        bucket = moto_server.unique_name("conn")
        from connections.services import connection_request

        location = ("<CreateBucketConfiguration><LocationConstraint>"
                    f"{moto_server.region}</LocationConstraint></CreateBucketConfiguration>")
        create = connection_request(connection, "PUT", f"{moto_server.url}/{bucket}", data=location.encode())
        assert create.status_code == 200, create.text
        put = connection_request(connection, "PUT", f"{moto_server.url}/{bucket}/hello.txt", data=b"hi there")
        assert put.status_code == 200
        assert connection_request(connection, "GET", f"{moto_server.url}/{bucket}/hello.txt").content == b"hi there"
        listing = connection_request(connection, "GET", f"{moto_server.url}/{bucket}", params={"list-type": "2"})
        assert b"hello.txt" in listing.content

    def test_wrong_secret_fails_with_signature_mismatch(self, user_client, ready_connector, moto_server):
        key_id, _ = moto_server.create_user_key()
        connector = ready_connector("Zylker S3", "aws_sigv4", {"service": "s3", "region": moto_server.region},
                                    test_url=f"{moto_server.url}/")
        add_connection(user_client, connector, access_key_id=key_id, secret_access_key="W" * 40)
        connection = Connection.objects.get()
        assert connection.status == Connection.Status.FAILING and "403" in connection.last_test_message
        body = console(user_client, connection, url=f"{moto_server.url}/").context["result"]["body"]
        assert "SignatureDoesNotMatch" in body

    def test_sts_form_post_with_session_token(self, user_client, ready_connector, moto_server):
        key_id, secret, token = moto_server.assume_role()
        connector = ready_connector("Zylker STS", "aws_sigv4", {"service": "sts", "region": moto_server.region},
                                    base_url=moto_server.url)
        add_connection(user_client, connector, access_key_id=key_id, secret_access_key=secret, session_token=token)
        connection = Connection.objects.get()
        response = console(user_client, connection, method="POST", url=f"{moto_server.url}/", body_type="form",
                           body="Action=GetCallerIdentity\nVersion=2011-06-15")
        result = response.context["result"]
        assert result["status"] == 200, result["body"]
        assert "GetCallerIdentityResult" in result["body"]
        assert ("X-Amz-Security-Token", "••••••••") in result["sent"]["headers"]
        assert token not in response.content.decode() and secret not in response.content.decode()

    def test_access_key_id_format_is_checked(self, user_client, ready_connector, moto_server):
        connector = ready_connector("Zylker S3", "aws_sigv4", {"service": "s3", "region": "us-east-1"})
        response = add_connection(user_client, connector, access_key_id="not a key", secret_access_key="x" * 40)
        assert response.status_code == 400 and "access key ID" in response.content.decode()


class TestInvokeUrl:
    def make(self, user_client, ready_connector, httpbin_url):
        connector = ready_connector("Zylker Bearer", "bearer", BEARER_CONFIG)
        add_connection(user_client, connector, name="Sales Zylker", token="tok-canary-123")
        return Connection.objects.get()

    def test_prints_the_response(self, user_client, ready_connector, httpbin_url):
        connection = self.make(user_client, ready_connector, httpbin_url)
        out = StringIO()
        call_command("invokeurl", connection.link_name, "--url", f"{httpbin_url}/anything", "--type", "POST",
                     "--param", "a=1", "--header", "X-Trace: 7", "--body", '{"x": 2}', stdout=out)
        echoed = json.loads(out.getvalue())
        assert echoed["args"] == {"a": "1"} and echoed["json"] == {"x": 2}
        assert echoed["headers"]["X-Trace"] == "7" and echoed["headers"]["Authorization"] == "Bearer ••••••••"
        assert connection.events.filter(action=ConnectionEvent.Action.USED).exists()

    def test_http_error_exits_non_zero(self, user_client, ready_connector, httpbin_url):
        connection = self.make(user_client, ready_connector, httpbin_url)
        with pytest.raises(SystemExit) as exit_info:
            call_command("invokeurl", connection.link_name, "--url", f"{httpbin_url}/status/404",
                         stdout=StringIO(), stderr=StringIO())
        assert exit_info.value.code == 1

    def test_connection_error_exits_non_zero(self, user_client, ready_connector, httpbin_url):
        from django.core.management import CommandError

        connection = self.make(user_client, ready_connector, httpbin_url)
        with pytest.raises(CommandError, match="refused|blocked|private|connect"):
            call_command("invokeurl", connection.link_name, "--url", "http://10.0.0.1/", stdout=StringIO())

    def test_unknown_connection(self):
        from django.core.management import CommandError

        with pytest.raises(CommandError, match="No connection"):
            call_command("invokeurl", "nope", "--url", "https://example.com/")
