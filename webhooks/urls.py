from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.EndpointListView.as_view(), name="list"),
    path("new/", views.EndpointCreateView.as_view(), name="create"),
    path("<int:pk>/", views.EndpointDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EndpointUpdateView.as_view(), name="edit"),
    path("<int:pk>/test/", views.SendTestEventView.as_view(), name="test"),
    path("<int:pk>/delete/", views.EndpointDeleteView.as_view(), name="delete"),
    path("deliveries/<int:pk>/redeliver/", views.RedeliverView.as_view(), name="redeliver"),
]
