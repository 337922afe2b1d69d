"""Two-factor authentication (TOTP through django-otp): who must give a code, and the gate that asks.

A user with a confirmed authenticator signs in with the password, then the code: until the code
is given the session is signed in but not verified, and every page sends them to the code page.
With CONNECTORS_REQUIRE_TWO_FACTOR, staff and connector builders without an authenticator are
sent to set one up first.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from .models import Authenticator

STATE_KEY = "two_factor"
# What the gate lets through before the code is given: the code and set-up pages, signing out.
OPEN_VIEWS = {"accounts:two_factor", "accounts:two_factor_verify", "logout", "admin:logout"}


def confirmed_device(user):
    return Authenticator.objects.devices_for_user(user, confirmed=True).first()


def must_use_two_factor(user):
    """True when the setting requires two-factor authentication of this user (staff and builders)."""
    return settings.CONNECTORS_REQUIRE_TWO_FACTOR and (user.is_staff or user.has_perm("builder.build_connector"))


def two_factor_state(request, *, user=None, refresh=False):
    """Return {"device": the user has a confirmed authenticator}, kept in the session from sign-in on."""
    state = request.session.get(STATE_KEY)
    if refresh or state is None:
        state = {"device": confirmed_device(user or request.user) is not None}
        request.session[STATE_KEY] = state
    return state


def remember_state(sender, request, user, **kwargs):
    """Work the state out once, at sign-in, not on every page (connected to user_logged_in)."""
    if request is not None and hasattr(request, "session"):
        two_factor_state(request, user=user, refresh=True)


def _with_next(url_name, request):
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"


class TwoFactorMiddleware:
    """Ask for the code before any page of a session whose user has an authenticator."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match and request.resolver_match.view_name in OPEN_VIEWS:
            return None
        state = two_factor_state(request)
        if state["device"]:
            return redirect(_with_next("accounts:two_factor_verify", request))
        if must_use_two_factor(user):
            messages.warning(request, "Set up two-factor authentication to continue: it is required for staff "
                                      "and connector builders.")
            return redirect(_with_next("accounts:two_factor", request))
        return None
