"""Properties of every page of the site, walked from the URL patterns (so pages added later are in)."""

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse

from builder.models import Connector, Scope
from connections.models import Connection
from connectors_site.middleware import RefuseNulCharactersMiddleware
from tests.builder.conftest import configure, image_bytes
from tests.url_walk import site_urls

pytestmark = pytest.mark.django_db

# Pages behind a sign-in: the site's own and Django admin's (its login and logout excepted).
SIGNED_IN_NAMESPACES = ("builder:", "connections:", "admin:", "accounts:", "api:", "webhooks:",
                        "notifications:")
PUBLIC = {"login", "logout", "admin:login", "admin:logout"}


@pytest.fixture
def samples(make_user, make_connector):
    """Objects for every argument a URL takes; the superuser owns the connection."""
    root = make_user("root", superuser=True)
    connector = configure(make_connector("Zylker CRM"), "oauth2")
    connector.set_logo(image_bytes())
    connector.save()
    scope = Scope.objects.create(connector=connector, name="Read", value="read")
    connection = Connection.objects.create(connector=connector, owner=root, name="Mine", link_name="mine",
                                           status=Connection.Status.CONNECTED, secrets={"access_token": "t"})
    return {
        "root": root, "pk": connector.pk, "connector_pk": connector.pk, "scope_pk": scope.pk,
        "link_name": connection.link_name, "callback_id": connector.callback_id, "app_label": "builder",
        "content_type_id": ContentType.objects.get_for_model(Connector).pk, "object_id": connector.pk,
    }


def signed_in_pages(samples):
    return [(name, url) for name, url in site_urls(samples)
            if (name == "microservices" or name.startswith(SIGNED_IN_NAMESPACES)) and name not in PUBLIC]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_a_login_page_from_every_page(client, samples, method):
    login_pages = (resolve_url(settings.LOGIN_URL), reverse("admin:login"))
    pages = signed_in_pages(samples)
    assert {"connections:reauthorize", "builder:logo", "admin:builder_connector_changelist"} <= dict(pages).keys()
    for name, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302, (name, url, response.status_code)
        assert response["Location"].startswith(login_pages), (name, url, response["Location"])


def list_filter_parameters():
    """Return the query parameters of Django admin's list filters and search, for every model."""
    names = {"q", "o", "p", "e", "_changelist_filters"}
    for model_admin in admin.site._registry.values():
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, str):
                names |= {f"{list_filter}__exact", f"{list_filter}__isnull", f"{list_filter}__id__exact"}
    return names


# What the site's own pages read from the query string: searches, filters, pages, prefilled fields.
SITE_PARAMETERS = {"q", "category", "connector", "status", "page", "name", "next"}


@pytest.mark.parametrize("where", ["value", "name"])
def test_a_nul_character_in_the_query_string_is_a_400_on_every_page(client, samples, where):
    client.force_login(samples["root"])
    parameters = SITE_PARAMETERS | list_filter_parameters()
    assert "stage__exact" in parameters and "status__exact" in parameters
    query = ({name: "a\x00b" for name in parameters} if where == "value" else {"q\x00": "x"})
    for name, url in site_urls(samples):
        response = client.get(url, query)
        assert response.status_code == 400, (name, url, response.status_code)


@pytest.mark.parametrize("url, query", [
    ("/connections/", {"q": "\x00"}),
    ("/connectors/", {"q": "\x00"}),
    ("/connectors/built-in/", {"q": "\x00"}),
    ("/connectors/built-in/", {"category": "\x00"}),
    ("/admin/builder/connector/", {"stage__exact": "\x00"}),
    ("/admin/builder/connector/", {"auth_type__exact": "\x00"}),
    ("/admin/connections/connection/", {"status__exact": "\x00"}),
    ("/admin/connections/connection/", {"q": "\x00"}),
])
def test_the_reported_nul_searches_are_refused(client, samples, url, query):
    client.force_login(samples["root"])
    assert client.get(url, query).status_code == 400
    assert client.get(url, {key: "ordinary" for key in query}).status_code == 200


def test_the_scope_search_with_a_nul_is_refused(client, samples):
    client.force_login(samples["root"])
    url = reverse("builder:scopes", args=[samples["pk"]])
    assert client.get(url, {"q": "read\x00"}).status_code == 400
    assert client.get(url, {"q": "read"}).status_code == 200


def test_a_nul_in_the_path_is_a_400(client, samples):
    client.force_login(samples["root"])
    assert client.get("/connections/mi%00ne/").status_code == 400
    assert client.get(f"/admin/builder/connector/{samples['pk']}%00/change/").status_code == 400


def test_a_session_cookie_holding_a_nul_counts_as_no_session(client, samples):
    # SimpleCookie quotes the value; Django's cookie parser unquotes the \000 back into a NUL.
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefghijk\x00lmnop"
    response = client.get(reverse("connections:list"))
    assert response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_a_nul_in_a_posted_field_is_refused_next_to_it(client, samples):
    client.force_login(samples["root"])
    response = client.post(reverse("connections:rename", args=[samples["link_name"]]), {"name": "Mi\x00ne"})
    assert response.status_code == 400 and "Null characters are not allowed." in response.content.decode()
    assert Connection.objects.get(link_name=samples["link_name"]).name == "Mine"


@pytest.mark.parametrize("query, refused", [
    ("q=a%00b", True), ("q%00=x", True), ("q=a\x00b", True), ("q=%2500", False), ("q=%0", False), ("q=a", False),
])
def test_the_nul_check_reads_the_query_as_django_decodes_it(rf, query, refused):
    """The raw query string is parsed only when it could hold a NUL; what is refused is what its parse holds."""
    request = rf.get("/anything/")
    request.META["QUERY_STRING"] = query
    middleware = RefuseNulCharactersMiddleware(lambda request: HttpResponse("reached"))
    if refused:
        with pytest.raises(BadRequest):
            middleware(request)
    else:
        assert middleware(request).content == b"reached"


@pytest.mark.parametrize("header, kept", [
    ('sessionid="abc\\000def"; theme=dark', {"theme": "dark"}),  # a quoted octal escape of a NUL
    ("sessionid=abc\x00def; theme=dark", {"theme": "dark"}),
    ('sessionid="a\\"b"; theme=dark', {"sessionid": 'a"b', "theme": "dark"}),  # an escape, but no NUL
    ("sessionid=abc; theme=dark", {"sessionid": "abc", "theme": "dark"}),
])
def test_a_cookie_holding_a_nul_once_decoded_is_dropped_and_the_others_kept(rf, header, kept):
    request = rf.get("/anything/", HTTP_COOKIE=header)
    RefuseNulCharactersMiddleware(lambda request: HttpResponse())(request)
    assert dict(request.COOKIES) == kept
