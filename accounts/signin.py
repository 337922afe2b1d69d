"""Failed sign-ins (django-axes): the client address they are counted against, the lockout page."""

import ipaddress

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.shortcuts import render


def _address(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request):
    """Return the client's address: behind the TLS proxy, the one it appended to X-Forwarded-For.

    Only the last entry is the proxy's own word; earlier ones are whatever the client sent, so
    trusting them would let anyone pick a fresh address for every guess.
    """
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1]
        if _address(forwarded):
            return _address(forwarded)
    return _address(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets (429): what happened, for how long, who can clear it."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0,
    }
    return render(request, "registration/locked_out.html", context, status=429)
