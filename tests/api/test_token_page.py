"""The API tokens page: a token is shown once, stored as a digest, never grants more than its user has."""

import datetime
import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from api.forms import MAX_ACTIVE_TOKENS, MAX_LIFETIME_DAYS
from api.models import PREFIX, PersonalAccessToken, token_from_text

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r"ccpat_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def in_days(days):
    return (timezone.now().date() + datetime.timedelta(days=days)).isoformat()


def create(client, **fields):
    data = {"name": "CI job", "scopes": ["connections:read"], "expires_on": in_days(30), **fields}
    return client.post(reverse("api:tokens"), data)


@pytest.fixture
def user_client(client, end_user):
    client.force_login(end_user)
    return client


def test_a_new_token_is_shown_once_and_only_its_digest_is_kept(user_client, end_user):
    response = create(user_client)
    assert response.status_code == 201
    text = TOKEN_RE.search(response.content.decode()).group()
    assert text.startswith(PREFIX)
    token = PersonalAccessToken.objects.get(user=end_user)
    secret = text[len(PREFIX) + 13:]  # after the prefix, the 12-character lookup id and "_"
    assert token.secret_digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(PersonalAccessToken.objects.filter(pk=token.pk).values().get())
    assert token_from_text(text) == token
    assert token.scopes == ["connections:read"]
    assert token.expires_at.date() == datetime.date.fromisoformat(in_days(31))

    page = user_client.get(reverse("api:tokens")).content.decode()
    assert secret not in page and token.display_prefix in page and "CI job" in page


def test_a_token_with_a_wrong_secret_or_shape_is_not_found(user_client, end_user):
    text = TOKEN_RE.search(create(user_client).content.decode()).group()
    assert token_from_text(text[:-1] + ("A" if text[-1] != "A" else "B")) is None
    for other in ("", "ccpat_", text.replace(PREFIX, "ghp_"), PREFIX + "x_" + text[len(PREFIX) + 13:]):
        assert token_from_text(other) is None


@pytest.mark.parametrize("fields, field, message", [
    ({"name": ""}, "name", "This field is required."),
    ({"name": "   "}, "name", "This field is required."),
    ({"name": "x" * 101}, "name", "at most 100 characters"),
    ({"scopes": []}, "scopes", "This field is required."),
    ({"scopes": ["connectors:admin"]}, "scopes", "Select a valid choice."),
    ({"scopes": ["connectors:read"]}, "scopes", "connectors:read is only for connector builders"),
    ({"scopes": ["proxy", "connectors:write"]}, "scopes", "connectors:write is only for connector builders"),
    ({"expires_on": ""}, "expires_on", "This field is required."),
    ({"expires_on": "tomorrow"}, "expires_on", "Enter a valid date."),
    ({"expires_on": in_days(-1)}, "expires_on", "Choose a day from today on."),
    ({"expires_on": in_days(MAX_LIFETIME_DAYS + 1)}, "expires_on", f"at most {MAX_LIFETIME_DAYS} days"),
])
def test_the_form_refuses_with_a_message_beside_the_field(user_client, end_user, fields, field, message):
    response = create(user_client, **fields)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field]), response.context["form"].errors
    assert not PersonalAccessToken.objects.exists()
    assert not TOKEN_RE.search(response.content.decode())


def test_a_builder_may_give_builder_scopes_and_an_end_user_is_not_offered_them(client, builder_user, end_user):
    client.force_login(end_user)
    assert "connectors:write" not in client.get(reverse("api:tokens")).content.decode()
    client.force_login(builder_user)
    assert "connectors:write" in client.get(reverse("api:tokens")).content.decode()
    assert create(client, scopes=["connectors:read", "connectors:write", "proxy"]).status_code == 201
    assert PersonalAccessToken.objects.get(user=builder_user).scopes == ["connectors:read", "connectors:write", "proxy"]


def test_a_second_active_token_of_the_same_name_is_refused_and_a_revoked_one_frees_it(user_client, end_user):
    assert create(user_client).status_code == 201
    response = create(user_client)
    assert response.status_code == 400 and "already have an active token" in str(response.context["form"].errors)
    token = PersonalAccessToken.objects.get()
    assert user_client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 302
    assert create(user_client).status_code == 201


def test_there_is_a_limit_of_active_tokens(user_client, end_user):
    for number in range(MAX_ACTIVE_TOKENS):
        PersonalAccessToken.issue(user=end_user, name=f"t{number}", scopes=["proxy"], expires_at=None)
    response = create(user_client)
    assert response.status_code == 400 and "revoke one first" in str(response.context["form"].non_field_errors())


def test_revoking_makes_the_token_unusable_and_another_users_token_cannot_be_revoked(client, make_user, end_user):
    other = make_user("other")
    token, text = PersonalAccessToken.issue(user=other, name="theirs", scopes=["proxy"], expires_at=None)
    client.force_login(end_user)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    assert token_from_text(text).is_usable
    client.force_login(other)
    response = client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert "is revoked" in response.content.decode()
    assert not token_from_text(text).is_usable and token_from_text(text).status == "Revoked"


def test_an_expired_token_is_not_usable_and_says_so(end_user):
    token, text = PersonalAccessToken.issue(user=end_user, name="old", scopes=["proxy"],
                                            expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert not token_from_text(text).is_usable and token.status == "Expired"


def test_a_token_loses_builder_scopes_when_its_user_stops_being_a_builder(builder_user):
    token, _ = PersonalAccessToken.issue(user=builder_user, name="b", scopes=["connectors:read", "proxy"],
                                         expires_at=None)
    assert token.allows("connectors:read")
    builder_user.groups.clear()
    token = PersonalAccessToken.objects.get(pk=token.pk)  # a fresh user: permissions are cached per object
    assert not token.allows("connectors:read") and token.allows("proxy")
    builder_user.is_active = False
    builder_user.save()
    assert not PersonalAccessToken.objects.get(pk=token.pk).is_usable


def test_staff_see_tokens_in_admin_without_their_secret_and_can_revoke(client, make_user, end_user):
    token, text = PersonalAccessToken.issue(user=end_user, name="ci", scopes=["proxy"], expires_at=None)
    client.force_login(make_user("root", superuser=True))
    page = client.get(reverse("admin:api_personalaccesstoken_changelist")).content.decode()
    assert token.display_prefix in page and text not in page and token.secret_digest not in page
    assert client.get(reverse("admin:api_personalaccesstoken_add")).status_code == 403
    client.post(reverse("admin:api_personalaccesstoken_changelist"),
                {"action": "revoke", "_selected_action": [token.pk]})
    assert PersonalAccessToken.objects.get(pk=token.pk).status == "Revoked"
