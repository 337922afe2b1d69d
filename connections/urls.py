from django.urls import path

from . import oauth_views, views

app_name = "connections"

urlpatterns = [
    path("", views.ConnectionListView.as_view(), name="list"),
    path("add/<int:connector_pk>/", views.ConnectionAddView.as_view(), name="add"),
    path("oauth/callback/<uuid:callback_id>/", oauth_views.OAuthCallbackView.as_view(), name="oauth_callback"),
    path("<slug:link_name>/", views.ConnectionDetailView.as_view(), name="detail"),
    path("<slug:link_name>/console/", views.ConsoleView.as_view(), name="console"),
    path("<slug:link_name>/test/", views.ConnectionTestView.as_view(), name="test"),
    path("<slug:link_name>/toggle/", views.ConnectionToggleView.as_view(), name="toggle"),
    path("<slug:link_name>/rename/", views.ConnectionRenameView.as_view(), name="rename"),
    path("<slug:link_name>/values/", views.ConnectionCredentialsView.as_view(), name="credentials"),
    path("<slug:link_name>/delete/", views.ConnectionDeleteView.as_view(), name="delete"),
    path("<slug:link_name>/reauthorize/", oauth_views.ConnectionAuthorizeView.as_view(), name="reauthorize"),
    path("<slug:link_name>/refresh/", oauth_views.RefreshNowView.as_view(), name="refresh"),
    path("<slug:link_name>/disconnect/", oauth_views.DisconnectView.as_view(), name="disconnect"),
]
