"""Who may call what: each operation against each scope, each role, another user's objects, dead tokens."""

import datetime
import re

import pytest
from django.utils import timezone

from api.models import ConnectLink, PersonalAccessToken
from api.scopes import Scope
from api.v1 import api as ninja_api
from builder.models import Stage
from connections.models import Connection
from tests.api.conftest import ApiClient, api_test_client
from tests.connections.conftest import BASIC_CONFIG

pytestmark = pytest.mark.django_db

R, W = Scope.CONNECTIONS_READ, Scope.CONNECTIONS_WRITE
CR, CW = Scope.CONNECTORS_READ, Scope.CONNECTORS_WRITE

# (method, path as the schema has it, the scope it needs, a body)
OPERATIONS = [
    ("get", "/api/v1/connections", R, None),
    ("get", "/api/v1/connectable-connectors", R, None),
    ("post", "/api/v1/connections", W, {"connector": "x"}),
    ("get", "/api/v1/connections/{link_name}", R, None),
    ("patch", "/api/v1/connections/{link_name}", W, {}),
    ("put", "/api/v1/connections/{link_name}/credentials", W, {"credentials": {}}),
    ("post", "/api/v1/connections/{link_name}/test", W, None),
    ("post", "/api/v1/connections/{link_name}/refresh", W, None),
    ("post", "/api/v1/connections/{link_name}/disconnect", W, None),
    ("get", "/api/v1/connectors", CR, None),
    ("post", "/api/v1/connectors", CW, {"name": ""}),
    ("get", "/api/v1/connectors/{pk}", CR, None),
    ("patch", "/api/v1/connectors/{pk}", CW, {}),
    ("put", "/api/v1/connectors/{pk}/security", CW, {"auth_type": "nope"}),
    ("put", "/api/v1/connectors/{pk}/scopes", CW, {"scopes": []}),
    ("post", "/api/v1/connectors/{pk}/ready", CW, None),
    ("get", "/api/v1/connectors/{pk}/export", CR, None),
    ("post", "/api/v1/connectors/import", CW, {}),
    ("post", "/api/v1/connectors/{pk}/logo", CW, None),
    ("get", "/api/v1/connectors/{pk}/logo", CR, None),
    ("delete", "/api/v1/connectors/{pk}/logo", CW, None),
    ("post", "/api/v1/connect-links", W, {"connector": "x"}),
    ("get", "/api/v1/connect-links/{link_id}", R, None),
    ("get", "/api/v1/proxy/{link_name}/{path}", Scope.PROXY, None),
    ("get", "/api/v1/proxy/{link_name}/", Scope.PROXY, None),
    ("delete", "/api/v1/connections/{link_name}", W, None),
    ("delete", "/api/v1/connectors/{pk}", CW, None),
]
OWN_ONLY = {path for _, path, _, _ in OPERATIONS if "{link_name}" in path or "{link_id}" in path}


def test_the_table_covers_every_operation_of_the_schema():
    documented = {(method, path) for path, item in ninja_api.get_openapi_schema()["paths"].items()
                  for method in item if method in {"get", "post", "put", "patch", "delete"}}
    # The proxy takes every method alike: its GET stands for all of them.
    documented = {(method, path) for method, path in documented if "/proxy/" not in path or method == "get"}
    assert documented == {(method, path) for method, path, _, _ in OPERATIONS}


@pytest.fixture
def objects(ready_connector, builder_user, end_user):
    connector = ready_connector("Matrix", "basic", BASIC_CONFIG, base_url="http://127.0.0.1:9")
    connection = Connection.objects.create(connector=connector, owner=end_user, name="Mine", link_name="mine",
                                           status="connected", secrets={"username": "u", "password": "p"})
    link, _ = ConnectLink.issue(user=end_user, token=None, connector=connector)
    return {"link_name": connection.link_name, "pk": connector.pk, "link_id": link.public_id, "path": "x"}


def url(path, objects):
    return re.sub(r"\{(\w+)\}", lambda match: str(objects[match.group(1)]), path)


def call(text, method, path, body, objects):
    return ApiClient(text)._call(method, url(path, objects), body)


def token(user, scopes, **fields):
    fields.setdefault("expires_at", None)
    return PersonalAccessToken.issue(user=user, name=fields.pop("name", "m"), scopes=list(scopes), **fields)[1]


def test_each_scope_opens_its_operations_only(make_user, objects):
    owner = Connection.objects.get(link_name="mine").owner
    owner.groups.add(*make_user("builder2", builder=True).groups.all())  # the owner also builds connectors
    texts = {scope: token(owner, [scope], name=scope) for scope in Scope.values}
    for method, path, needed, body in OPERATIONS:
        for scope, text in texts.items():
            if scope == needed:
                continue
            assert call(text, method, path, body, objects).status_code == 403, (method, path, scope)
        status = call(texts[needed], method, path, body, objects).status_code
        assert status not in (401, 403), (method, path, needed, status)


@pytest.mark.parametrize("role, allowed", [("end user", False), ("staff", False), ("builder", True),
                                          ("superuser", True)])
def test_connector_scopes_work_only_for_builders(make_user, objects, role, allowed):
    user = make_user("as-" + role.replace(" ", "-"), builder=role == "builder", staff=role == "staff",
                     superuser=role == "superuser")
    text = token(user, [CR, CW])  # made directly: the page would refuse these scopes to a non-builder
    for method, path, needed, body in OPERATIONS:
        if needed in (CR, CW):
            status = call(text, method, path, body, objects).status_code
            assert (status != 403) == allowed, (role, method, path, status)


def test_another_users_objects_are_not_found(make_user, objects):
    text = token(make_user("stranger"), Scope.values)
    for method, path, _, body in OPERATIONS:
        if path in OWN_ONLY:
            assert call(text, method, path, body, objects).status_code == 404, (method, path)
    assert Connection.objects.filter(link_name="mine").exists()


@pytest.mark.parametrize("state", ["revoked", "expired", "deactivated user"])
def test_a_dead_token_opens_nothing(end_user, objects, state):
    text = token(end_user, Scope.values, expires_at=timezone.now() - datetime.timedelta(seconds=1)
                 if state == "expired" else None)
    if state == "revoked":
        PersonalAccessToken.objects.update(revoked_at=timezone.now())
    if state == "deactivated user":
        end_user.is_active = False
        end_user.save()
    for method, path, _, body in OPERATIONS:
        response = call(text, method, path, body, objects)
        assert response.status_code == 401 and response["Content-Type"] == "application/problem+json", (method, path)
    assert Connection.objects.filter(link_name="mine").exists()


def test_errors_outside_the_views_are_problems_too(client, end_user, objects):
    text = token(end_user, Scope.values)
    headers = {"Authorization": f"Bearer {text}"}
    # Through the API's middleware (as the running app) and through every page's (as any handler might).
    for through in (api_test_client(), client):
        for response in (through.get("/api/v1/connections?q=a%00b", headers=headers),
                         through.get("/api/v1/nothing-here", headers=headers)):
            assert response.status_code in (400, 404) and response["Content-Type"] == "application/problem+json"
    assert Stage.READY  # the connector the proxy uses is Ready
