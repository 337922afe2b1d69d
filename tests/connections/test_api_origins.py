"""Base URL and API origins: paths relative to the Base URL, and credentials sent only to the
connector's API origins (RFC 9700 section 4.10). A server standing in for a host of the end user's
choosing records what reaches it."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from builder.api_origins import OtherHosts
from connections import services
from connections.models import Connection
from tests.connections.oauth_helpers import callback_from, oauth1_connector, oauth2_connector, start_authorization
from tests.peers.servers import serve_wsgi

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere():
    """A server on another origin that records every request's headers: (base URL, requests seen)."""
    seen = []

    def app(environ, start_response):
        seen.append({name[5:].replace("_", "-").title(): value for name, value in environ.items()
                     if name.startswith("HTTP_")} | {"query": environ.get("QUERY_STRING", "")})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"echo": seen[-1]}).encode()]

    base_url, stop = serve_wsgi(app)
    seen.clear()  # serve_wsgi's own "are you up?" request
    yield base_url, seen
    stop()


@pytest.fixture
def plaintext_oauth1(user_client, oauth1_provider):
    """An OAuth1 PLAINTEXT connection: its signature is the consumer secret and token secret in clear."""
    connector = oauth1_connector(oauth1_provider, signature_method="PLAINTEXT")
    user_client.get(callback_from(oauth1_provider.approve(start_authorization(user_client, connector))))
    return Connection.objects.select_related("connector").get()


@pytest.fixture
def machine_connection(user_client, oauth2_provider):
    """A client-credentials connection: the application's own token."""
    connector = oauth2_connector(oauth2_provider, grant="client_credentials", name="Machine")
    user_client.post(reverse("connections:add", args=[connector.pk]), {"name": "Robot"})
    return Connection.objects.select_related("connector").get()


@pytest.mark.parametrize("which", ["plaintext_oauth1", "machine_connection"])
def test_credentials_never_go_to_a_host_of_the_users_choosing(request, user_client, elsewhere, which):
    connection = request.getfixturevalue(which)
    base_url, seen = elsewhere

    with pytest.raises(services.DestinationRefused, match="not one of this connector's API origins"):
        services.connection_request(connection, "GET", f"{base_url}/steal")
    page = user_client.post(reverse("connections:console", args=[connection.link_name]),
                            {"method": "GET", "url": f"{base_url}/steal", "body_type": "none"})
    assert page.status_code == 400 and "credentials are sent only there" in page.content.decode()
    with pytest.raises(CommandError, match="not one of this connector's API origins"):
        call_command("invokeurl", connection.link_name, "--url", f"{base_url}/steal", stdout=StringIO())

    assert seen == []
    # Its own API still gets them.
    assert services.connection_request(connection, "GET", "/api/me" + ("/" if which == "machine_connection"
                                                                       else "")).status_code == 200


@pytest.mark.parametrize("which", ["plaintext_oauth1", "machine_connection"])
def test_a_builder_may_let_other_hosts_through_without_credentials(request, elsewhere, which):
    connection = request.getfixturevalue(which)
    type(connection.connector).objects.filter(pk=connection.connector_id).update(
        other_hosts=OtherHosts.WITHOUT_CREDENTIALS)
    connection = Connection.objects.select_related("connector").get(pk=connection.pk)
    base_url, seen = elsewhere

    answer = services.connection_request(connection, "GET", f"{base_url}/public", params={"q": "1"})

    assert answer.status_code == 200 and len(seen) == 1
    assert "Authorization" not in seen[0] and "oauth_" not in seen[0]["query"]
    secrets = [value for value in connection.secrets.values() if isinstance(value, str) and len(value) > 6]
    secrets.append(connection.connector.secrets.get("consumer_secret") or connection.connector.secrets["client_secret"])
    assert not any(secret in json.dumps(seen) for secret in secrets)


def test_listed_hosts_and_subdomain_wildcards_receive_credentials(machine_connection, oauth2_provider):
    connector = machine_connection.connector
    port = oauth2_provider.base_url.rsplit(":", 1)[1]
    type(connector).objects.filter(pk=connector.pk).update(base_url="https://api.example.com/v1",
                                                           api_origins=[f"http://127.0.0.1:{port}"])
    connection = Connection.objects.select_related("connector").get()

    assert services.connection_request(connection, "GET", oauth2_provider.resource_url).status_code == 200
    with pytest.raises(services.DestinationRefused):
        services.connection_request(connection, "GET", oauth2_provider.resource_url.replace("127.0.0.1", "localhost"))


def test_a_path_is_relative_to_the_base_url_in_every_entry_point(user_client, machine_connection, oauth2_provider):
    connector = machine_connection.connector
    type(connector).objects.filter(pk=connector.pk).update(base_url=oauth2_provider.base_url + "/api",
                                                           test_url="/me/")
    connection = Connection.objects.select_related("connector").get()

    assert services.connection_request(connection, "GET", "me/").json()["client_id"] == oauth2_provider.cc_client_id
    page = user_client.post(reverse("connections:console", args=[connection.link_name]),
                            {"method": "GET", "url": "/me/", "body_type": "none"})
    assert page.status_code == 200 and oauth2_provider.cc_client_id in page.content.decode()
    out = StringIO()
    call_command("invokeurl", connection.link_name, "--url", "/me/", stdout=out)
    assert oauth2_provider.cc_client_id in out.getvalue()
    result = services.connection_test(connection=connection, user=connection.owner)
    assert result.ok, result.message


def test_a_path_without_a_base_url_is_refused_clearly(machine_connection):
    type(machine_connection.connector).objects.filter(pk=machine_connection.connector_id).update(base_url="")
    connection = Connection.objects.select_related("connector").get()
    with pytest.raises(services.DestinationRefused, match="no Base URL"):
        services.connection_request(connection, "GET", "/api/me/")


@pytest.mark.parametrize("url", ["{base}@{other}/x", "{base}\\@{other}/x", "https://user:pw@{host}/x"])
def test_urls_whose_host_parsers_disagree_on_are_refused(machine_connection, oauth2_provider, elsewhere, url):
    base_url, seen = elsewhere
    url = url.format(base=oauth2_provider.base_url, other=base_url.split("//")[1],
                     host=oauth2_provider.base_url.split("//")[1])
    with pytest.raises(services.DestinationRefused):
        services.connection_request(machine_connection, "GET", url)
    assert seen == []
