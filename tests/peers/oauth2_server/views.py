"""The protected resource and the test-only admin endpoints of the OAuth2 peer."""

import hmac
import os
import threading
from datetime import timedelta

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import TokenView

from tests.peers.oauth2_server import runtime

WEB_CLIENT_ENV = "OAUTH2_PEER_CLIENT_ID"

_refresh_lock = threading.Lock()
_dot_token_view = TokenView.as_view()


@csrf_exempt
def token(request):
    """Answer as DOT's token endpoint, one refresh at a time.

    DOT checks that a refresh token is unused before it takes its row lock (and SQLite has
    no row locks), so concurrent reuses of one refresh token could all succeed. Serialising
    refreshes makes every reuse answer invalid_grant, as the strictest providers do.
    """
    if request.method == "POST" and request.POST.get("grant_type") == "refresh_token":
        with _refresh_lock:
            return _dot_token_view(request)
    return _dot_token_view(request)


def health(request):
    return HttpResponse("ok", content_type="text/plain")


def _bearer_error(status, error):
    response = JsonResponse({"error": error}, status=status)
    response["WWW-Authenticate"] = f'Bearer realm="oauth2-peer", error="{error}"'
    return response


def _protected(request, scopes):
    """Answer as a resource server does: 401 without a valid token, 403 without the scope."""
    core = get_oauthlib_core()
    valid, oauth_request = core.verify_request(request, scopes=[])
    if not valid:
        return _bearer_error(401, "invalid_token")
    access_token = oauth_request.access_token
    if not access_token.allow_scopes(scopes):
        return _bearer_error(403, "insufficient_scope")
    return JsonResponse({
        "user": access_token.user.username if access_token.user else None,
        "client_id": access_token.application.client_id,
        "scope": access_token.scope,
        "method": request.method,
    })


@csrf_exempt
def me(request):
    """Answer who the bearer token belongs to and its scope, to any method."""
    return _protected(request, [])


@csrf_exempt
def me_403(request):
    """Answer like ``me``, but 403 to a missing, expired or revoked token (as some APIs do)."""
    response = _protected(request, [])
    if response.status_code == 401:
        response.status_code = 403
    return response


@csrf_exempt
def me_200_error(request):
    """Answer like ``me``, but 200 {"ok": false, "error": "token_expired"} to a bad token (Slack's style)."""
    response = _protected(request, [])
    if response.status_code == 401:
        return JsonResponse({"ok": False, "error": "token_expired"})
    return response


@csrf_exempt
def write(request):
    """Answer like ``me`` but only to a token granted the "write" scope."""
    return _protected(request, ["write"])


def _admin_only(view):
    """Let a request through only with the shared secret the launcher chose."""

    def guarded(request):
        expected = os.environ.get("OAUTH2_PEER_ADMIN_SECRET", "")
        given = request.headers.get("X-Peer-Secret", "")
        if request.method != "POST":
            return HttpResponse(status=405)
        if not expected or not hmac.compare_digest(expected, given):
            return HttpResponse("forbidden", status=403, content_type="text/plain")
        return view(request)

    return csrf_exempt(guarded)


@_admin_only
def set_redirect_uris(request):
    """Replace (or with mode=add, extend) the redirect URIs of the web client."""
    application = Application.objects.get(client_id=os.environ[WEB_CLIENT_ENV])
    uris = request.POST.get("uris", "").split()
    if request.POST.get("mode") == "add":
        uris = application.redirect_uris.split() + [uri for uri in uris if uri not in application.redirect_uris.split()]
    application.redirect_uris = " ".join(uris)
    application.save(update_fields=["redirect_uris"])
    return JsonResponse({"redirect_uris": uris})


@_admin_only
def add_user(request):
    """Create (or reset the password of) another account, to authorize as someone else."""
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=request.POST["username"])
    user.set_password(request.POST["password"])
    user.save()
    return JsonResponse({"username": user.username})


@_admin_only
def configure(request):
    """Change the lifetime of the access tokens issued from now on, or (authorization_response_iss=1|0)
    whether authorization responses carry iss (RFC 9207) and discovery says so."""
    previous = runtime.access_token_ttl()
    if "access_token_ttl" in request.POST:
        runtime.set_access_token_ttl(request.POST["access_token_ttl"])
    previous_iss = oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS
    if "authorization_response_iss" in request.POST:
        oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS = request.POST["authorization_response_iss"] == "1"
    return JsonResponse({"access_token_ttl": runtime.access_token_ttl(), "previous": previous,
                         "authorization_response_iss": oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS,
                         "previous_iss": previous_iss})


@_admin_only
def expire_tokens(request):
    """Make every access token issued so far expired, without waiting for it."""
    expired = AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    return JsonResponse({"expired": expired})
