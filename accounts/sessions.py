"""Session lifetimes: signed out after an idle spell, and in any case after an absolute lifetime."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# The idle clock is written back at most this often, not on every request.
LAST_SEEN_GRANULARITY = 60


def start_session(sender, request, user, **kwargs):
    """Start both clocks when a user signs in (connected to user_logged_in)."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = time.time()


def _duration(seconds):
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def session_end_reason(session, now):
    """Return why the session is over (a phrase to show), or '' while it lasts."""
    idle = now - session.get(LAST_SEEN, now)
    if idle > settings.SESSION_IDLE_TIMEOUT:
        return f"after {_duration(settings.SESSION_IDLE_TIMEOUT)} without activity"
    if now - session.get(SIGNED_IN_AT, now) > settings.SESSION_COOKIE_AGE:
        return f"{_duration(settings.SESSION_COOKIE_AGE)} after signing in"
    return ""


class SessionLifetimeMiddleware:
    """Sign out a session past its idle timeout or its absolute lifetime, and say so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            session.setdefault(SIGNED_IN_AT, now)  # a session from before these clocks: from now on
            reason = session_end_reason(session, now)
            if reason:
                logout(request)
                messages.info(request, f"You were signed out {reason}. Sign in again.")
            elif now - session.get(LAST_SEEN, 0) >= LAST_SEEN_GRANULARITY:
                session[LAST_SEEN] = now
        return self.get_response(request)
