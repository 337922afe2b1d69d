from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from builder.models import Connector, Stage


class ConnectionAddView(LoginRequiredMixin, TemplateView):
    """Add Connection on a Ready connector (the connection forms arrive with the connections issue)."""

    template_name = "connections/connection_add_pending.html"

    def get_context_data(self, **kwargs):
        connector = get_object_or_404(Connector.objects.for_listing(), pk=self.kwargs["connector_pk"],
                                      stage=Stage.READY)
        return super().get_context_data(connector=connector, **kwargs)


class OAuthCallbackView(View):
    """The per-connector OAuth callback; the flows arrive with the OAuth issue."""

    def get(self, request, callback_id):
        get_object_or_404(Connector.objects.only("pk"), callback_id=callback_id)
        return HttpResponseBadRequest("No authorization is in progress for this connector.")
