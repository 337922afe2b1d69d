"""Sessions end after 30 minutes without activity and 8 hours after signing in, and say so."""

import time

import pytest
from django.urls import reverse

from accounts.sessions import LAST_SEEN, SIGNED_IN_AT
from tests.accounts.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_client(client, end_user):
    assert sign_in(client, end_user.username).status_code == 302
    return client


def set_clocks(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_signing_in_starts_both_clocks_and_the_cookie_lasts_eight_hours(client, end_user):
    response = sign_in(client, end_user.username)
    assert abs(client.session[SIGNED_IN_AT] - time.time()) < 60 and client.session[LAST_SEEN]
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600


def test_thirty_minutes_without_activity_signs_out(signed_in_client):
    set_clocks(signed_in_client, last_seen=30 * 60 + 5)
    response = signed_in_client.get(reverse("connections:list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "You were signed out after 30 minutes without activity. Sign in again." in response.content.decode()
    assert "_auth_user_id" not in signed_in_client.session


def test_activity_keeps_the_session(signed_in_client):
    set_clocks(signed_in_client, last_seen=29 * 60)
    assert signed_in_client.get(reverse("connections:list")).status_code == 200
    assert time.time() - signed_in_client.session[LAST_SEEN] < 60  # the idle clock started again


def test_eight_hours_after_signing_in_the_session_ends_however_active(signed_in_client):
    set_clocks(signed_in_client, signed_in_at=8 * 3600 + 5, last_seen=10)
    response = signed_in_client.get(reverse("microservices"), follow=True)
    assert "You were signed out 8 hours after signing in. Sign in again." in response.content.decode()
    assert "_auth_user_id" not in signed_in_client.session


def test_the_lifetimes_are_settings(settings, signed_in_client):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    set_clocks(signed_in_client, last_seen=6 * 60)
    response = signed_in_client.get(reverse("microservices"), follow=True)
    assert "after 5 minutes without activity" in response.content.decode()
