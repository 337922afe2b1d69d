from django.contrib import messages
from django.contrib.auth.mixins import UserPassesTestMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, UpdateView

from . import services
from .forms import EndpointForm
from .models import WebhookDelivery, WebhookEndpoint


class StaffOnlyMixin(UserPassesTestMixin):
    def test_func(self):
        return self.request.user.is_authenticated and self.request.user.is_staff


class EndpointListView(StaffOnlyMixin, ListView):
    model = WebhookEndpoint
    template_name = "webhooks/endpoint_list.html"
    context_object_name = "endpoints"


@method_decorator(never_cache, name="dispatch")
class EndpointCreateView(StaffOnlyMixin, View):
    """Register an endpoint; the answer shows its signing secret, this once."""

    def get(self, request):
        return render(request, "webhooks/endpoint_form.html", {"form": EndpointForm(initial={"active": True})})

    def post(self, request):
        form = EndpointForm(request.POST)
        if not form.is_valid():
            return render(request, "webhooks/endpoint_form.html", {"form": form}, status=400)
        endpoint, secret = services.endpoint_create(
            url=form.cleaned_data["url"], event_types=form.cleaned_data["event_types"],
            description=form.cleaned_data["description"], user=request.user)
        if not form.cleaned_data["active"]:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
        return render(request, "webhooks/endpoint_created.html", {"endpoint": endpoint, "secret": secret})


class EndpointDetailView(StaffOnlyMixin, DetailView):
    model = WebhookEndpoint
    template_name = "webhooks/endpoint_detail.html"
    context_object_name = "endpoint"

    def get_context_data(self, **kwargs):
        deliveries = self.object.deliveries.prefetch_related("attempts")[:50]
        return super().get_context_data(deliveries=deliveries, **kwargs)


class EndpointUpdateView(StaffOnlyMixin, UpdateView):
    model = WebhookEndpoint
    form_class = EndpointForm
    template_name = "webhooks/endpoint_form.html"
    context_object_name = "endpoint"

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_success_url(self):
        return self.object.get_absolute_url()


class SendTestEventView(StaffOnlyMixin, View):
    def post(self, request, pk):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        services.send_test_event(endpoint)
        messages.success(request, "A test event was queued; its attempts appear below.")
        return redirect("webhooks:detail", pk=endpoint.pk)


class RedeliverView(StaffOnlyMixin, View):
    def post(self, request, pk):
        delivery = get_object_or_404(WebhookDelivery, pk=pk)
        services.redeliver(delivery)
        messages.success(request, f"{delivery.event_type} ({delivery.message_id}) will be delivered again.")
        return redirect("webhooks:detail", pk=delivery.endpoint_id)


class EndpointDeleteView(StaffOnlyMixin, View):
    def post(self, request, pk):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        endpoint.delete()
        messages.success(request, "The endpoint was deleted.")
        return redirect("webhooks:list")
