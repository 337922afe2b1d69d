"""AWS AssumeRole: a connection names a role (and an external ID); its calls are signed with the
role's temporary credentials from STS, obtained through the app's outbound client and replaced
before they expire. Against moto with IAM checks on: a role whose policy denies everything is
refused by moto, so what signs the calls is the role, not the user's own keys.
"""

import json

import pytest
from django.urls import reverse

from auth_types import aws_sts, registry
from auth_types.base import GrantInvalid
from connections import services
from connections.models import Connection
from tests.connections.test_key_based import add_connection, console
from tests.peers.servers import ALLOW_ALL, DENY_ALL

pytestmark = pytest.mark.django_db

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
ALLOW_STS_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


@pytest.fixture(autouse=True)
def fresh_cache():
    aws_sts.forget_all()
    yield
    aws_sts.forget_all()


def make_role(moto, policy):
    iam = moto.admin_client("iam")
    name = moto.unique_name("role")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    return role["Arn"]


def assumed_roles(moto):
    from moto.sts.models import sts_backends

    return sts_backends[moto.account_id]["aws"].assumed_roles


def connector_for(ready_connector, moto):
    return ready_connector("S3 by role", "aws_sigv4",
                           {"service": "s3", "region": moto.region, "sts_endpoint": moto.url},
                           test_url=f"{moto.url}/")


def signed_key_id(connection):
    """Call the API through the connection; return the access key ID its request was signed with."""
    response = services.connection_request(connection, "GET", "/")
    assert response.status_code == 200, response.text
    return response.request.headers["Authorization"].split("Credential=")[1].split("/")[0]


def test_calls_are_signed_with_the_roles_temporary_credentials(user_client, ready_connector, moto_server):
    moto = moto_server
    key_id, secret = moto.create_user_key(policy=ALLOW_STS_ONLY)  # the user alone may not list buckets
    role_arn = make_role(moto, ALLOW_ALL)
    connector = connector_for(ready_connector, moto)
    response = add_connection(user_client, connector, name="By role", access_key_id=key_id, secret_access_key=secret,
                              role_arn=role_arn, external_id="tenant-42")
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = Connection.objects.get(connector=connector)
    assert connection.last_test_ok, connection.last_test_message

    result = console(user_client, connection, url="/").context["result"]
    assert result["status"] == 200, result["body"]
    assert "X-Amz-Security-Token" in dict(result["sent"]["headers"])
    assert signed_key_id(connection) != key_id and signed_key_id(connection).startswith("ASIA")
    temporary = aws_sts.cached(access_key_id=key_id, secret_access_key=secret, session_token="", role_arn=role_arn,
                               external_id="tenant-42", region=moto.region, sts_endpoint=moto.url)
    assert temporary.session_token not in json.dumps(result) and temporary.secret_access_key not in json.dumps(result)
    [role] = [role for role in assumed_roles(moto) if role.access_key_id == temporary.access_key_id]
    assert (role.role_arn, role.external_id) == (role_arn, "tenant-42")

    # The user's own keys (no role) are refused by the same server: the role is what works.
    own = services.connection_create(connector=connector, owner=connection.owner, name="Own keys",
                                     secrets={"access_key_id": key_id, "secret_access_key": secret})
    assert services.connection_request(own, "GET", "/").status_code == 403


def test_credentials_are_reused_until_due_then_replaced_before_expiry(user_client, ready_connector, moto_server):
    moto = moto_server
    key_id, secret = moto.create_user_key()
    role_arn = make_role(moto, ALLOW_ALL)
    connector = connector_for(ready_connector, moto)
    add_connection(user_client, connector, access_key_id=key_id, secret_access_key=secret, role_arn=role_arn)
    connection = Connection.objects.get(connector=connector)
    first = signed_key_id(connection)
    assert signed_key_id(connection) == first
    calls = len(assumed_roles(moto))

    values = dict(access_key_id=key_id, secret_access_key=secret, session_token="", role_arn=role_arn,
                  external_id="", region=moto.region, sts_endpoint=moto.url)
    current = aws_sts.cached(**values)
    # At the refresh margin before their Expiration the credentials are due: the next call assumes again.
    due_at = current.expires_at - aws_sts.REFRESH_MARGIN
    assert aws_sts.temporary_credentials(**values, now=due_at - 1) is current
    replaced = aws_sts.temporary_credentials(**values, now=due_at)
    assert replaced.access_key_id != first and len(assumed_roles(moto)) == calls + 1
    assert signed_key_id(connection) == replaced.access_key_id


def test_a_role_whose_policy_denies_is_refused_by_aws_not_by_us(user_client, ready_connector, moto_server):
    moto = moto_server
    key_id, secret = moto.create_user_key()
    connector = connector_for(ready_connector, moto)
    add_connection(user_client, connector, access_key_id=key_id, secret_access_key=secret,
                   role_arn=make_role(moto, DENY_ALL))
    connection = Connection.objects.get(connector=connector)
    assert not connection.last_test_ok and "403" in connection.last_test_message


def test_sts_refusing_the_role_is_said_without_a_key(ready_connector, moto_server):
    moto = moto_server
    key_id, secret = moto.create_user_key(policy=DENY_ALL)  # may not even assume a role
    config = {"service": "s3", "region": moto.region, "sts_endpoint": moto.url}
    credentials = {"access_key_id": key_id, "secret_access_key": secret,
                   "role_arn": make_role(moto, ALLOW_ALL), "external_id": ""}
    with pytest.raises(GrantInvalid) as refused:
        registry.get("aws_sigv4").auth(config, credentials)
    assert "AWS STS refused to assume the role" in str(refused.value) and "AccessDenied" in str(refused.value)
    assert secret not in str(refused.value)


@pytest.mark.parametrize("values, field, message", [
    ({"role_arn": "arn:aws:iam::12345:role/x"}, "role_arn", "Give a role's ARN"),
    ({"role_arn": "arn:aws:iam::123456789012:user/x"}, "role_arn", "Give a role's ARN"),
    ({"external_id": "tenant-1"}, "external_id", "goes with a Role ARN"),
    ({"role_arn": "arn:aws:iam::123456789012:role/R", "external_id": "has space"}, "external_id", "no spaces"),
])
def test_role_values_are_checked_beside_their_fields(user_client, ready_connector, values, field, message):
    connector = ready_connector("S3 checked", "aws_sigv4", {"service": "s3", "region": "eu-central-1"})
    response = add_connection(user_client, connector, access_key_id="AKIAIOSFODNN7EXAMPLE",
                              secret_access_key="secret", **values)
    assert response.status_code == 400
    assert message in response.context["credential_form"].errors[field][0]


def test_add_connection_says_where_the_role_values_go(user_client, ready_connector):
    connector = ready_connector("S3 page", "aws_sigv4", {"service": "s3", "region": "eu-central-1"})
    page = user_client.get(reverse("connections:add", args=[connector.pk])).content.decode()
    assert "Role ARN" in page and "External ID" in page and "Sent to AWS STS" in page
