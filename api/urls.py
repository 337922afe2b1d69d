from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("", views.TokenListView.as_view(), name="tokens"),
    path("<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
]
