from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("two-factor/", views.TwoFactorView.as_view(), name="two_factor"),
    path("two-factor/verify/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
]
