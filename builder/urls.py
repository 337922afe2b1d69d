from django.urls import path

from .views import catalog, connectors, documents, openapi, scopes, security

app_name = "builder"

urlpatterns = [
    path("", connectors.ConnectorListView.as_view(), name="connector_list"),
    path("new/", connectors.ConnectorCreateView.as_view(), name="connector_create"),
    path("built-in/", catalog.BuiltInConnectorsView.as_view(), name="catalog"),
    path("import/", documents.ConnectorImportView.as_view(), name="connector_import"),
    path("import/openapi/", openapi.OpenAPIImportView.as_view(), name="openapi_import"),
    path("<int:pk>/export/", documents.ConnectorExportView.as_view(), name="connector_export"),
    path("<int:pk>/pick/", catalog.PickConnectorView.as_view(), name="pick"),
    path("<int:pk>/general/", connectors.GeneralView.as_view(), name="general"),
    path("<int:pk>/security/", security.SecurityView.as_view(), name="security"),
    path("<int:pk>/security/panel/<slug:key>/", security.SecurityPanelView.as_view(), name="security_panel"),
    path("<int:pk>/scopes/", scopes.ScopeListView.as_view(), name="scopes"),
    path("<int:pk>/scopes/<int:scope_pk>/edit/", scopes.ScopeEditView.as_view(), name="scope_edit"),
    path("<int:pk>/scopes/<int:scope_pk>/delete/", scopes.ScopeDeleteView.as_view(), name="scope_delete"),
    path("<int:pk>/scopes/delete/", scopes.ScopeDeleteView.as_view(), name="scope_bulk_delete"),
    path("<int:pk>/ready/", connectors.MarkReadyView.as_view(), name="mark_ready"),
    path("<int:pk>/history/", connectors.HistoryView.as_view(), name="history"),
    path("<int:pk>/logo.png", connectors.LogoView.as_view(), name="logo"),
]
