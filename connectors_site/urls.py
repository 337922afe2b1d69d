from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.MicroservicesView.as_view(), name="microservices"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("connectors/", include("builder.urls")),
    path("connections/", include("connections.urls")),
    path("api-tokens/", include("api.urls")),
    path("admin/", admin.site.urls),
]
