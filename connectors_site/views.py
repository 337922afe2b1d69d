from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from connections.models import Connection
from health.services import needs_attention


class MicroservicesView(LoginRequiredMixin, TemplateView):
    """The Microservices tab: the product's home."""

    template_name = "microservices.html"

    def get_context_data(self, **kwargs):
        connections = Connection.objects.for_owner(self.request.user).select_related("connector", "health").defer(
            "connector__logo", "connector__secrets")
        return super().get_context_data(connections=connections[:3], connection_count=connections.count(),
                                        attention_count=needs_attention(connections).count(), **kwargs)
