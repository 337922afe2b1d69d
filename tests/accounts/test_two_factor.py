"""Two-factor authentication with an authenticator app (TOTP): set up, sign in, admin, enforcement."""

import io
import json
import re
from importlib import import_module
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Authenticator
from tests.accounts.conftest import code_for, sign_in

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:two_factor")
VERIFY = reverse("accounts:two_factor_verify")


def signed_in(user, **kwargs):
    client = Client()
    assert sign_in(client, user.username, **kwargs).status_code == 302
    return client


@pytest.fixture
def no_throttle(settings):
    """Check a right code right after a wrong one (the throttle between them has its own test)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


class TestSetUp:
    def test_a_user_sets_it_up_with_a_qr_code_and_a_code(self, end_user, no_throttle):
        client = signed_in(end_user)
        assert "Set up two-factor authentication" in client.get(SETUP).content.decode()

        assert client.post(SETUP, {"action": "begin"}).status_code == 302
        page = client.get(SETUP).content.decode()
        device = Authenticator.objects.get(user=end_user, confirmed=False)
        assert 'src="data:image/svg+xml' in page
        key = re.search(r'<code class="user-select-all">([A-Z2-7 ]+)</code>', page).group(1)
        assert device.config_url.split("secret=")[1].startswith(key.replace(" ", "")[:16])

        refused = client.post(SETUP, {"action": "confirm", "code": "000000"})
        assert refused.status_code == 400 and "That code is not right" in refused.content.decode()
        response = client.post(SETUP, {"action": "confirm", "code": code_for(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        page = client.get(SETUP).content.decode()
        assert "On" in page and key not in page and "data:image/svg+xml" not in page  # the key never again
        assert client.get(reverse("connections:list")).status_code == 200  # this session is verified

    def test_it_can_be_turned_off_with_a_current_code(self, end_user, authenticator, no_throttle):
        device = authenticator(end_user)
        client = signed_in(end_user)
        client.post(VERIFY, {"code": code_for(device)})
        assert client.post(SETUP, {"action": "turn_off", "code": "123"}).status_code == 400
        assert Authenticator.objects.filter(user=end_user).exists()
        assert client.post(SETUP, {"action": "turn_off", "code": code_for(device, steps_ahead=1)}).status_code == 302
        assert not Authenticator.objects.filter(user=end_user).exists()


class TestSignIn:
    @pytest.mark.parametrize("login_url, page", [(None, "/connections/"), ("/admin/login/", "/admin/")])
    def test_the_code_is_asked_after_the_password_on_both_login_pages(self, staff_user, authenticator, login_url,
                                                                       page, no_throttle):
        device = authenticator(staff_user)
        client = Client()
        sign_in(client, staff_user.username, url=login_url)

        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == f"{VERIFY}?next={page.replace('/', '%2F')}"
        # Nothing else is reachable before the code is given.
        for url in (reverse("microservices"), reverse("builder:catalog"), "/admin/auth/user/"):
            assert client.get(url)["Location"].startswith(VERIFY)

        wrong = client.post(VERIFY, {"code": "000000", "next": page})
        assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
        right = client.post(VERIFY, {"code": code_for(device), "next": page})
        assert right.status_code == 302 and right["Location"] == page
        assert client.get(page).status_code == 200

    def test_a_code_is_good_once(self, end_user, authenticator):
        device = authenticator(end_user)
        code = code_for(device)
        first = signed_in(end_user)
        assert first.post(VERIFY, {"code": code}).status_code == 302
        second = signed_in(end_user, ip="192.0.2.11")
        assert second.post(VERIFY, {"code": code}).status_code == 400

    def test_wrong_codes_slow_the_checks_down(self, end_user, authenticator):
        device = authenticator(end_user)
        client = signed_in(end_user)
        for _ in range(3):
            client.post(VERIFY, {"code": "000000"})
        response = client.post(VERIFY, {"code": code_for(device)})
        assert response.status_code == 400 and "codes are not checked for a little while" in response.content.decode()

    def test_users_without_an_authenticator_sign_in_with_the_password_alone(self, end_user):
        client = signed_in(end_user)
        assert client.get(reverse("connections:list")).status_code == 200
        assert client.get(VERIFY).status_code == 302  # nothing to verify

    def test_signing_out_is_possible_before_the_code(self, end_user, authenticator):
        authenticator(end_user)
        client = signed_in(end_user)
        assert client.post(reverse("logout")).status_code == 302
        assert "_auth_user_id" not in client.session


class TestRequiredForStaffAndBuilders:
    @pytest.fixture(autouse=True)
    def required(self, settings):
        settings.CONNECTORS_REQUIRE_TWO_FACTOR = True

    @pytest.mark.parametrize("user_fixture", ["builder_user", "staff_user"])
    def test_they_must_set_it_up_before_anything_else(self, request, user_fixture):
        user = request.getfixturevalue(user_fixture)
        client = signed_in(user)
        response = client.get(reverse("microservices"))
        assert response.status_code == 302 and response["Location"].startswith(SETUP)
        page = client.get(response["Location"]).content.decode()
        assert "it is required for staff and connector builders" in page.lower()

        client.post(SETUP, {"action": "begin"})
        device = Authenticator.objects.get(user=user)
        client.post(SETUP, {"action": "confirm", "code": code_for(device)})
        assert client.get(reverse("microservices")).status_code == 200
        refused = client.post(SETUP, {"action": "turn_off", "code": code_for(device, steps_ahead=1)})
        assert refused.status_code == 403 and Authenticator.objects.filter(user=user).exists()

    def test_end_users_may_still_go_without(self, end_user):
        assert signed_in(end_user).get(reverse("microservices")).status_code == 200


def test_the_admin_never_shows_an_authenticator_key(end_user, authenticator, make_user):
    device = authenticator(end_user)
    admin = Client()
    admin.force_login(make_user("root", superuser=True))
    key, key_b32 = device.secret["key"], device.config_url.split("secret=")[1].split("&")[0]
    for url in (reverse("admin:accounts_authenticator_changelist"),
                reverse("admin:accounts_authenticator_change", args=[device.pk])):
        page = admin.get(url).content.decode()
        assert end_user.username in page and key not in page and key_b32 not in page


def test_staff_delete_an_authenticator_a_user_lost(end_user, authenticator, make_user):
    device = authenticator(end_user)
    admin = Client()
    admin.force_login(make_user("root", superuser=True))
    url = reverse("admin:accounts_authenticator_delete", args=[device.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 302
    assert not Authenticator.objects.filter(user=end_user).exists()
    assert admin.get(reverse("admin:accounts_authenticator_add")).status_code == 403  # set up by its user only


def test_the_key_is_encrypted_at_rest(end_user, authenticator):
    device = authenticator(end_user)
    key = device.secret["key"]
    assert len(key) == 40 and int(key, 16) >= 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_authenticator WHERE id = %s", [device.pk])
        stored = cursor.fetchone()[0]
    assert key not in stored and key.upper() not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert Authenticator.objects.get(pk=device.pk).secret["key"] == key


def test_the_migration_moves_django_otps_devices_with_their_keys_encrypted(end_user, no_throttle):
    migration = import_module("accounts.migrations.0002_move_totp_devices")
    device = TOTPDevice.objects.create(user=end_user, name="Phone", confirmed=True, digits=8, drift=1, last_t=7)
    migration.move_devices(apps, SimpleNamespace(connection=connection))
    assert not TOTPDevice.objects.exists()
    moved = Authenticator.objects.get(user=end_user)
    assert moved.secret == {"key": device.key}
    assert (moved.name, moved.confirmed, moved.digits, moved.step, moved.drift, moved.last_t, moved.created_at) == (
        "Phone", True, 8, 30, 1, 7, device.created_at)
    assert not moved.verify_token("00000000") and moved.verify_token(code_for(moved))  # the same app's codes

    migration.move_back(apps, SimpleNamespace(connection=connection))
    assert TOTPDevice.objects.get(user=end_user).key == device.key and not Authenticator.objects.exists()


def test_rotating_the_encryption_keys_rotates_the_authenticators_key(end_user, settings, no_throttle):
    old, new = settings.CONNECTORS_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    device = Authenticator.objects.create(user=end_user, name="Authenticator app", confirmed=True)
    settings.CONNECTORS_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    settings.CONNECTORS_ENCRYPTION_KEYS = [new]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_authenticator WHERE id = %s", [device.pk])
        stored = cursor.fetchone()[0]
    assert json.loads(Fernet(new).decrypt(stored.encode())) == device.secret
    assert Authenticator.objects.get(pk=device.pk).verify_token(code_for(device))  # read with the new key alone


def test_an_authenticator_no_encryption_key_reads_matches_no_code_and_can_be_set_up_again(end_user, settings):
    confirmed = Authenticator.objects.create(user=end_user, name="Authenticator app", confirmed=True)
    code = code_for(confirmed)
    settings.CONNECTORS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the key it was written with is lost
    client = signed_in(end_user)
    refused = client.post(VERIFY, {"code": code})
    assert refused.status_code == 400 and "That code is not right" in refused.content.decode()

    Authenticator.objects.filter(pk=confirmed.pk).update(confirmed=False)  # as if set up but not confirmed
    client = signed_in(end_user)
    assert "Set up two-factor authentication" in client.get(SETUP).content.decode()
    client.post(SETUP, {"action": "begin"})
    device = Authenticator.objects.get(user=end_user)
    assert device.pk != confirmed.pk and device.readable
