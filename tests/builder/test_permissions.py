"""Who may open every builder URL, with GET and with POST; nobody ever gets a 500."""

import pytest
from django.urls import reverse

from builder import urls as builder_urls
from builder.models import Connector, Scope, Stage

from tests.builder.conftest import configure, image_bytes

pytestmark = pytest.mark.django_db

# For each URL name: the status a builder gets for GET and for an empty POST.
BUILDER_STATUS = {
    "connector_list": (200, 405),
    "connector_create": (200, 400),
    "general": (200, 400),
    "security": (200, 400),
    "security_panel": (200, 405),
    "scopes": (200, 400),
    "scope_edit": (200, 400),
    "scope_delete": (405, 302),
    "scope_bulk_delete": (405, 302),
    "mark_ready": (200, 302),
    "history": (200, 405),
    "logo": (200, 405),
    "catalog": (200, 405),
    "pick": (302, 404),  # the target is a Draft custom connector: to its builder; only built-ins are copied
    "connector_import": (200, 400),
    "connector_export": (200, 405),
    "openapi_import": (200, 400),
}
# URLs any signed-in user may open (connector cards, Pick & Create), with what a user without
# the builder permission gets there.
SIGNED_IN_STATUS = {
    "logo": (404, 405),  # the target is a Draft custom connector: its logo too is the builders' business
    "catalog": (200, 405),
    "pick": (404, 403),  # a Draft custom connector is the builders' business
}
METHODS = ("get", "post")
CASES = [(name, method) for name in BUILDER_STATUS for method in METHODS]


@pytest.fixture
def target(make_connector):
    """Return a connector every builder URL applies to: OAuth2, with a scope and a logo."""
    connector = configure(make_connector("Zylker CRM"), "oauth2")
    connector.set_logo(image_bytes())
    connector.save()
    return connector, Scope.objects.create(connector=connector, name="Read", value="read")


def url_for(name, target):
    connector, scope = target
    if name in ("connector_list", "connector_create", "catalog", "connector_import", "openapi_import"):
        return reverse(f"builder:{name}")
    if name in ("scope_edit", "scope_delete"):
        return reverse(f"builder:{name}", args=[connector.pk, scope.pk])
    if name == "security_panel":
        return reverse(f"builder:{name}", args=[connector.pk, connector.auth_type])
    return reverse(f"builder:{name}", args=[connector.pk])


def call(client, method, url):
    return getattr(client, method)(url)


def test_every_builder_url_is_covered():
    assert {pattern.name for pattern in builder_urls.urlpatterns} == set(BUILDER_STATUS)


@pytest.mark.parametrize("name, method", CASES)
def test_anonymous_is_sent_to_the_login_page(client, target, name, method):
    url = url_for(name, target)
    response = call(client, method, url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("user_fixture", ["end_user", "staff_user"])
@pytest.mark.parametrize("name, method", CASES)
def test_users_without_the_builder_permission_get_403(client, request, target, user_fixture, name, method):
    client.force_login(request.getfixturevalue(user_fixture))
    response = call(client, method, url_for(name, target))
    if name in SIGNED_IN_STATUS:
        assert response.status_code == SIGNED_IN_STATUS[name][METHODS.index(method)]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("user_fixture", ["builder_user", "superuser"])
@pytest.mark.parametrize("name, method", CASES)
def test_builders_and_superusers_get_the_page(client, request, target, user_fixture, name, method):
    client.force_login(request.getfixturevalue(user_fixture))
    response = call(client, method, url_for(name, target))
    assert response.status_code == BUILDER_STATUS[name][METHODS.index(method)]


def test_logo_is_viewable_by_an_end_user_once_ready(client, end_user, target):
    client.force_login(end_user)
    url = url_for("logo", target)
    assert client.get(url).status_code == 404  # a Draft custom connector is a 404 on every URL
    connector, _ = target
    connector.stage = Stage.READY
    connector.save(update_fields=["stage"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_a_draft_builtins_logo_is_viewable_by_an_end_user(client, end_user, target):
    # Built-ins are listed in Pick & Create whatever their stage (an admin must set up the OAuth ones).
    connector, _ = target
    Connector.objects.filter(pk=connector.pk).update(builtin_key="zylker")
    client.force_login(end_user)
    assert client.get(url_for("logo", target)).status_code == 200


@pytest.mark.parametrize("user_fixture, index_status, connectors_status", [
    ("staff_user", 200, 403),
    ("superuser", 200, 200),
    ("builder_user", 302, 302),
    ("end_user", 302, 302),
])
def test_django_admin_access(client, request, target, user_fixture, index_status, connectors_status):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(reverse("admin:index")).status_code == index_status
    assert client.get(reverse("admin:builder_connector_changelist")).status_code == connectors_status


@pytest.mark.parametrize("name", ["general", "security", "history", "mark_ready", "scopes"])
def test_unknown_connector_is_404(builder_client, name):
    method = "post" if name == "mark_ready" else "get"
    assert call(builder_client, method, reverse(f"builder:{name}", args=[999999])).status_code == 404


def test_scope_of_another_connector_is_404(builder_client, target, make_connector):
    other = configure(make_connector("Other"), "oauth2")
    _, scope = target
    assert builder_client.get(reverse("builder:scope_edit", args=[other.pk, scope.pk])).status_code == 404
    assert builder_client.post(reverse("builder:scope_delete", args=[other.pk, scope.pk])).status_code == 302
    assert Scope.objects.filter(pk=scope.pk).exists()
