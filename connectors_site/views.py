from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class MicroservicesView(LoginRequiredMixin, TemplateView):
    """The Microservices tab: the product's home."""

    template_name = "microservices.html"
