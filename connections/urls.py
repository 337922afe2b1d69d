from django.urls import path

from . import views

app_name = "connections"

urlpatterns = [
    path("", views.ConnectionListView.as_view(), name="list"),
    path("add/<int:connector_pk>/", views.ConnectionAddView.as_view(), name="add"),
    path("oauth/callback/<uuid:callback_id>/", views.OAuthCallbackView.as_view(), name="oauth_callback"),
    path("<slug:link_name>/", views.ConnectionDetailView.as_view(), name="detail"),
    path("<slug:link_name>/console/", views.ConsoleView.as_view(), name="console"),
    path("<slug:link_name>/test/", views.ConnectionTestView.as_view(), name="test"),
    path("<slug:link_name>/toggle/", views.ConnectionToggleView.as_view(), name="toggle"),
    path("<slug:link_name>/rename/", views.ConnectionRenameView.as_view(), name="rename"),
    path("<slug:link_name>/values/", views.ConnectionCredentialsView.as_view(), name="credentials"),
    path("<slug:link_name>/delete/", views.ConnectionDeleteView.as_view(), name="delete"),
]
