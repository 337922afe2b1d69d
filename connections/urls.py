from django.urls import path

from . import views

app_name = "connections"

urlpatterns = [
    path("add/<int:connector_pk>/", views.ConnectionAddView.as_view(), name="add"),
    path("oauth/callback/<uuid:callback_id>/", views.OAuthCallbackView.as_view(), name="oauth_callback"),
]
