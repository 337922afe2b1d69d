"""The Built-in Connectors page (Pick & Create) and picking a card."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from ..models import Connector
from .mixins import BUILD_PERMISSION

CUSTOM = "CUSTOM CONNECTOR"


def url_for_pk(name):
    """Return pk -> the URL of `name` for that pk, reversing it once (a page of cards asks many times)."""
    marker = "2147483647"
    head, tail = reverse(name, args=[int(marker)]).split(marker)
    return lambda pk: f"{head}{pk}{tail}"


class BuiltInConnectorsView(LoginRequiredMixin, ListView):
    """A left pane of categories (CUSTOM CONNECTOR among them), the chosen one's cards, a search."""

    template_name = "builder/catalog.html"
    context_object_name = "connectors"
    paginate_by = 48

    def get_queryset(self):
        self.q = self.request.GET.get("q", "").strip()
        self.category = self.request.GET.get("category", "")
        connectors = Connector.objects.for_listing().visible_to(self.request.user)
        if self.q:
            connectors = connectors.filter(Q(name__icontains=self.q) | Q(description__icontains=self.q))
        elif self.category == CUSTOM:
            connectors = connectors.filter(builtin_key="")
        elif self.category:
            connectors = connectors.filter(builtin_key__gt="", category=self.category)
        else:
            connectors = connectors.filter(builtin_key__gt="")
        return connectors.order_by("name", "pk")

    def get_context_data(self, **kwargs):
        counts = dict(
            Connector.objects.filter(builtin_key__gt="").values_list("category").annotate(n=Count("pk")).order_by()
        )
        categories = [(name, counts[name]) for name in sorted(counts)]
        custom_count = Connector.objects.visible_to(self.request.user).filter(builtin_key="").count()
        context = super().get_context_data(
            q=self.q, category=self.category, categories=categories, custom=CUSTOM, custom_count=custom_count,
            can_build=self.request.user.has_perm(BUILD_PERMISSION), **kwargs,
        )
        connectors = context["connectors"]
        # The cards are rendered once per version of what they show (the template caches them by it).
        context["cards_version"] = (context["can_build"], [(c.pk, c.updated_at) for c in connectors])
        self.prepare_cards(connectors, context["can_build"])
        return context

    def prepare_cards(self, connectors, can_build):
        """Give each card its logo URL and its action (label, URL), without a URL lookup per card."""
        logo, add, pick, general = (url_for_pk(name) for name in (
            "builder:logo", "connections:add", "builder:pick", "builder:general"))
        for connector in connectors:
            connector.logo_url = f"{logo(connector.pk)}?v={connector.logo_hash[:12]}" if connector.logo_hash else ""
            if connector.is_ready:
                connector.card_action = ("Add Connection", add(connector.pk), "btn-success text-nowrap")
            elif connector.builtin_key:
                connector.card_action = ("Set up", pick(connector.pk), "btn-outline-primary")
            elif can_build:
                connector.card_action = ("Open in builder", general(connector.pk), "btn-outline-secondary")
            else:
                connector.card_action = None


class PickConnectorView(LoginRequiredMixin, View):
    """Pick a card: Add Connection when it is ready to use; otherwise finish it (builders) or explain."""

    def get(self, request, pk):
        connector = get_object_or_404(Connector.objects.for_listing(), pk=pk)
        if connector.is_ready:
            return redirect("connections:add", connector.pk)
        if not request.user.has_perm(BUILD_PERMISSION):
            if not connector.builtin_key:
                raise Http404("No such connector.")  # a Draft custom connector stays the builders' business
            return render(request, "builder/catalog_not_ready.html", {"connector": connector}, status=409)
        if not connector.builtin_key:
            return redirect("builder:general", connector.pk)
        return render(request, "builder/catalog_finish.html", {"connector": connector})

    def post(self, request, pk):
        """Copy a built-in that needs the admin's own client (or secrets) into a Draft custom connector."""
        if not request.user.has_perm(BUILD_PERMISSION):
            return render(request, "builder/catalog_not_ready.html",
                          {"connector": get_object_or_404(Connector.objects.for_listing(), pk=pk)}, status=403)
        from ..documents import connector_document, import_document

        builtin = get_object_or_404(Connector, pk=pk, builtin_key__gt="")
        copy = import_document(connector_document(builtin), user=request.user)
        messages.success(request, f"{copy.name} is a Draft of your own: enter your {copy.kind.installation_text} "
                                  "in Security, then Mark as Ready.")
        return redirect(reverse("builder:security", args=[copy.pk]))
