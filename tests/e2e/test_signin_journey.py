"""Signing in, in the browser: two-factor authentication set up and used, and the lockout page."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import by_label, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_key(key, *, steps_ahead=0):
    """What an authenticator app shows for the key typed by hand (`steps_ahead` 30-second steps later)."""
    totp = TOTP(b32decode(key.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_a_user_turns_on_two_factor_and_signs_in_with_a_code(page, screenshot, make_user):
    make_user("jo")
    sign_in(page, "jo", PASSWORD)
    page.get_by_role("link", name="jo").click()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.get_by_role("img", name="QR code of the authenticator key")).to_be_visible()
    key = page.locator("code.user-select-all").inner_text()
    screenshot("signin-1-two-factor-setup")
    by_label(page, "Authentication code").fill(code_from_key(key))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Two-factor authentication is on").first).to_be_visible()
    assert key not in page.content()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "jo", PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/two-factor/verify/"))
    screenshot("signin-2-authentication-code")
    by_label(page, "Authentication code").fill(code_from_key(key, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/connectors/|/$"))
    expect(page.get_by_role("link", name="Microservices").first).to_be_visible()


def test_too_many_failed_sign_ins_show_the_pause(page, screenshot, make_user):
    make_user("jo")
    for _ in range(5):
        sign_in(page, "jo", "not-the-password")
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(page.get_by_text("paused for 15 minutes")).to_be_visible()
    screenshot("signin-3-paused")
    sign_in(page, "jo", PASSWORD)  # the right password changes nothing during the pause
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
