from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api import views as api_views
from api.v1 import api as api_v1
from monitoring import views as monitoring

from . import views

urlpatterns = [
    # First: the API's calls (the proxy's above all) are the most frequent, and each pattern tried costs.
    path("api/v1/", api_v1.urls),
    path("", views.MicroservicesView.as_view(), name="microservices"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("connectors/", include("builder.urls")),
    path("connections/", include("connections.urls")),
    path("connections/", include("reconnect.urls")),
    path("accounts/notifications/", include("notifications.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("healthz", monitoring.healthz, name="healthz"),
    path("metrics", monitoring.prometheus, name="metrics"),
    path("api-tokens/", include("api.urls")),
    path("connect/<str:secret>/", api_views.ConnectLinkView.as_view(), name="connect_link"),
    path("admin/", admin.site.urls),
]
