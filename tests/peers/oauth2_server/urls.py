from django.contrib.auth.views import LoginView
from django.urls import include, path
from oauth2_provider.urls import base_urlpatterns, metadata_urlpatterns, oidc_urlpatterns

from tests.peers.oauth2_server import faults, views

urlpatterns = [
    path("", include((metadata_urlpatterns, "oauth2_metadata"))),
    # Ahead of DOT's own route: the same view, with refreshes serialised (see views.token).
    path("o/token/", views.token),
    path("o/", include((base_urlpatterns + oidc_urlpatterns, "oauth2_provider"))),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("api/me/", views.me),
    path("api/me-403/", views.me_403),
    path("api/me-200-error/", views.me_200_error),
    path("api/write/", views.write),
    path("health/", views.health),
    path("faults/token-500/", faults.token_500),
    path("faults/token-slow/", faults.token_slow),
    path("faults/token-garbage/", faults.token_garbage),
    path("faults/token-redirect/", faults.token_redirect),
    path("faults/invalid-grant/", faults.invalid_grant),
    path("faults/token-form/", faults.token_form),
    path("faults/token-quirks/", faults.token_quirks),
    path("faults/token-strict/", faults.token_strict),
    path("faults/counts/", faults.counts),
    path("faults/counts/reset/", faults.reset_counts),
    path("faults/set-redirect-uris/", views.set_redirect_uris),
    path("faults/configure/", views.configure),
    path("faults/expire-tokens/", views.expire_tokens),
]
