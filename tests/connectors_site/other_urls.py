"""A URLconf of its own for tests/connectors_site/test_fixed_urls.py."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/", lambda request: HttpResponse(), name="microservices")]
