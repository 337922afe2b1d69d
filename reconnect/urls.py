from django.urls import path

from . import views

app_name = "reconnect"
urlpatterns = [
    path("<slug:link_name>/confirm-account/<str:token>/", views.ConfirmAccountView.as_view(), name="confirm"),
]
