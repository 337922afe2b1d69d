"""Failed sign-ins lock the account and the client out for a while, on both login pages (django-axes)."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.conftest import sign_in

pytestmark = pytest.mark.django_db

WRONG = "wrong-password-canary-51"
LOGIN_PAGES = [pytest.param(None, id="login"), pytest.param("/admin/login/", id="admin-login")]


def signed_in(client):
    return "_auth_user_id" in client.session


def fail(client, username, times, *, ips=None, url=None):
    for index in range(times):
        response = sign_in(client, username, WRONG, ip=(ips or ["192.0.2.10"] * times)[index], url=url)
        # The form again with its message; the failure that reaches the limit gets the lockout page.
        assert response.status_code in (200, 429)


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_an_account_is_paused_after_five_failures_from_anywhere(client, staff_user, url):
    fail(client, staff_user.username, 5, ips=[f"192.0.2.{n}" for n in range(1, 6)], url=url)

    response = sign_in(client, staff_user.username, ip="198.51.100.7", url=url)  # the right password, elsewhere

    page = response.content.decode()
    assert response.status_code == 429 and not signed_in(client)
    assert "Sign-in paused" in page and "After 5 failed sign-ins for <strong>staff</strong>" in page
    assert "paused for 15 minutes" in page and "ask an" in page


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_a_client_is_paused_after_five_failures_on_any_accounts(client, staff_user, url):
    for name in ("alice", "bob", "carol", "dave", "erin"):
        fail(client, name, 1, ips=["203.0.113.9"], url=url)

    assert sign_in(client, staff_user.username, ip="203.0.113.9", url=url).status_code == 429
    assert not signed_in(client)
    other = Client()
    assert sign_in(other, staff_user.username, ip="203.0.113.10", url=url).status_code == 302
    assert signed_in(other)


def test_four_failures_leave_the_form_and_its_message(client, end_user):
    for _ in range(4):
        response = sign_in(client, end_user.username, WRONG)
        assert response.status_code == 200 and "Please enter a correct username and password" in (
            response.content.decode())
    assert sign_in(client, end_user.username).status_code == 302


def test_failures_on_one_page_count_on_the_other(client, staff_user):
    fail(client, staff_user.username, 3)
    fail(client, staff_user.username, 2, url="/admin/login/")
    assert sign_in(client, staff_user.username).status_code == 429


def test_a_success_starts_the_count_again(client, end_user):
    fail(client, end_user.username, 4)
    assert sign_in(client, end_user.username).status_code == 302
    client.post(reverse("logout"))
    fail(client, end_user.username, 4)
    assert sign_in(client, end_user.username).status_code == 302


def test_the_pause_ends_after_the_cool_off(client, end_user):
    fail(client, end_user.username, 5)
    assert sign_in(client, end_user.username).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert sign_in(client, end_user.username).status_code == 302


def test_staff_clear_a_lockout_in_the_admin(client, end_user, make_user):
    fail(client, end_user.username, 5)
    assert sign_in(client, end_user.username).status_code == 429

    admin = Client()
    admin.force_login(make_user("root", superuser=True))
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin.get(changelist).content.decode()
    assert end_user.username in page and WRONG not in page
    response = admin.post(changelist, {"action": "delete_selected", "post": "yes",
                                       "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True))})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()

    assert sign_in(client, end_user.username).status_code == 302


def test_the_password_tried_is_never_stored(client, end_user):
    fail(client, end_user.username, 5)
    sign_in(client, end_user.username)
    stored = [repr(list(model.objects.values())) for model in (AccessAttempt, AccessLog, AccessFailureLog)]
    assert WRONG not in "".join(stored) and "correct-horse" not in "".join(stored)


def test_behind_the_proxy_the_address_it_appended_is_the_one_counted(settings, client, end_user):
    settings.BEHIND_TLS_PROXY = True
    # Whatever the client puts first, the proxy's own entry (the last one) is 198.51.100.20.
    for n in range(5):
        sign_in(client, f"guess{n}", WRONG, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.20")
    assert sign_in(client, end_user.username, ip="10.0.0.2",
                   HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.20").status_code == 429
    assert sign_in(Client(), end_user.username, ip="10.0.0.2",
                   HTTP_X_FORWARDED_FOR="198.51.100.21").status_code == 302


def test_an_address_that_is_not_one_falls_back_to_the_peer(settings, client, end_user):
    settings.BEHIND_TLS_PROXY = True
    response = sign_in(client, end_user.username, WRONG, ip="10.0.0.3", HTTP_X_FORWARDED_FOR="not-an-address")
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "10.0.0.3"
