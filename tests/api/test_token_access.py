"""Tokens at the API's door: revoked, expired, wrong scope, a user who lost a permission."""

import datetime

import pytest
from django.utils import timezone

from api.models import PersonalAccessToken

pytestmark = pytest.mark.django_db


def test_a_revoked_or_expired_token_or_a_deactivated_user_is_refused_with_the_reason(api_as, end_user):
    api = api_as(end_user)
    assert api.get("connections").status_code == 200
    PersonalAccessToken.objects.update(revoked_at=timezone.now())
    response = api.get("connections")
    assert response.status_code == 401 and response.json()["detail"] == "This API token has been revoked."

    api = api_as(end_user, expires_at=timezone.now() - datetime.timedelta(minutes=1), name="old")
    response = api.get("connections")
    assert response.status_code == 401 and "expired" in response.json()["detail"]

    api = api_as(end_user, name="fresh")
    end_user.is_active = False
    end_user.save()
    assert api.get("connections").status_code == 401


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ccpat_0123456789ab_wrong", "Basic abc", "Bearer "])
def test_a_token_that_is_not_one_is_refused(client, header):
    response = client.get("/api/v1/connections", headers={"Authorization": header})
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"


def test_a_token_without_the_scope_is_a_403_naming_it(api_as, end_user):
    api = api_as(end_user, scopes=["proxy"])
    response = api.get("connections")
    assert response.status_code == 403 and response.json()["detail"] == "This token does not have the " \
                                                                        "connections:read scope."
    api = api_as(end_user, scopes=["connections:read"], name="read only")
    assert api.get("connections").status_code == 200
    assert api.post("connections", {"connector": 1}).status_code == 403


def test_using_a_token_records_when_it_was_last_used(api_as, end_user):
    api = api_as(end_user)
    assert PersonalAccessToken.objects.get().last_used_at is None
    api.get("connections")
    assert PersonalAccessToken.objects.get().last_used_at is not None
