"""Two-factor authentication with an authenticator app (TOTP): set up, sign in, admin, enforcement."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

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
        device = TOTPDevice.objects.get(user=end_user, confirmed=False)
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
        assert TOTPDevice.objects.filter(user=end_user).exists()
        assert client.post(SETUP, {"action": "turn_off", "code": code_for(device, steps_ahead=1)}).status_code == 302
        assert not TOTPDevice.objects.filter(user=end_user).exists()


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
        device = TOTPDevice.objects.get(user=user)
        client.post(SETUP, {"action": "confirm", "code": code_for(device)})
        assert client.get(reverse("microservices")).status_code == 200
        refused = client.post(SETUP, {"action": "turn_off", "code": code_for(device, steps_ahead=1)})
        assert refused.status_code == 403 and TOTPDevice.objects.filter(user=user).exists()

    def test_end_users_may_still_go_without(self, end_user):
        assert signed_in(end_user).get(reverse("microservices")).status_code == 200


def test_the_admin_never_shows_an_authenticator_key(end_user, authenticator, make_user):
    device = authenticator(end_user)
    admin = Client()
    admin.force_login(make_user("root", superuser=True))
    for url in (reverse("admin:otp_totp_totpdevice_changelist"),
                reverse("admin:otp_totp_totpdevice_change", args=[device.pk])):
        page = admin.get(url).content.decode()
        assert end_user.username in page and device.key not in page
