from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import get_conditional_response
from django.views import View
from django.views.generic import CreateView, ListView, TemplateView, UpdateView

from .. import sections, services
from ..forms import ConnectorCreateForm, GeneralForm
from ..models import Connector
from ..steps import scope_recommendation
from .mixins import BadRequestOnInvalidMixin, BuilderRequiredMixin, ConnectorSectionMixin


class ConnectorListView(BuilderRequiredMixin, ListView):
    """Manage Custom Connectors: cards, a search by name or link name, pages."""

    template_name = "builder/connector_list.html"
    paginate_by = 12
    context_object_name = "connectors"

    def get_queryset(self):
        # Built-ins live in Pick & Create; this page manages the installation's own connectors.
        return Connector.objects.for_listing().filter(builtin_key="").search(self.request.GET.get("q"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(q=self.request.GET.get("q", "").strip(), **kwargs)


class ConnectorCreateView(BuilderRequiredMixin, BadRequestOnInvalidMixin, CreateView):
    """Create New Custom Connector."""

    form_class = ConnectorCreateForm
    template_name = "builder/connector_create.html"

    def get_initial(self):
        # The hub's "nothing found → +Create Custom Connector" link carries the searched text.
        return {"name": self.request.GET.get("name", "")[:50]}

    def form_valid(self, form):
        connector = services.connector_create(form=form, user=self.request.user)
        return redirect("builder:general", connector.pk)


class GeneralView(ConnectorSectionMixin, BadRequestOnInvalidMixin, UpdateView):
    section = "general"
    form_class = GeneralForm
    template_name = "builder/connector_general.html"

    def get_object(self, queryset=None):
        return self.get_connector()

    def get_context_data(self, **kwargs):
        # Settings other apps keep about the connector and show on General (builder.sections).
        if not hasattr(self, "section_forms"):
            self.section_forms = sections.posted_forms(self.get_connector(), self.section)
        return super().get_context_data(section_forms=self.section_forms, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        form_valid = form.is_valid()  # first: the sections see the posted values on the connector
        self.section_forms = sections.posted_forms(self.object, self.section, request.POST)
        if form_valid & sections.all_valid(self.section_forms):
            return self.form_valid(form)
        return self.form_invalid(form)

    def form_invalid(self, form):
        # The page around the form shows the saved connector, not the refused values.
        self._connector = Connector.objects.get(pk=self.kwargs["pk"])
        return super().form_invalid(form)

    def form_valid(self, form):
        services.connector_save_general(form=form, user=self.request.user,
                                        section_forms=getattr(self, "section_forms", ()))
        messages.success(self.request, "General saved.")
        return redirect(self.next_step_url())


class HistoryView(ConnectorSectionMixin, ListView):
    section = "history"
    template_name = "builder/connector_history.html"
    context_object_name = "changes"
    paginate_by = 50

    def get_queryset(self):
        return self.get_connector().changes.select_related("user")


class MarkReadyView(ConnectorSectionMixin, TemplateView):
    """The Ready step: a checklist of what is missing, and Mark as Ready once nothing is."""

    section = "ready"
    template_name = "builder/connector_ready.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(recommendation=scope_recommendation(self.get_connector()), **kwargs)

    def post(self, request, *args, **kwargs):
        connector = self.get_connector()
        try:
            services.connector_mark_ready(connector=connector, user=request.user)
        except services.ConnectorNotComplete:
            return self.render_to_response(self.get_context_data(refused=True), status=400)
        messages.success(request, "The stage has been changed from Draft to Ready.")
        return redirect("builder:mark_ready", connector.pk)


class LogoView(LoginRequiredMixin, View):
    """Serve a connector's logo thumbnail to those who may see the connector's card."""

    def get(self, request, pk):
        connector = get_object_or_404(Connector.objects.visible_to(request.user).only("logo", "logo_hash"), pk=pk,
                                      logo__isnull=False)
        response = HttpResponse(bytes(connector.logo), content_type="image/png")
        response["ETag"] = f'"{connector.logo_hash}"'
        response["Cache-Control"] = "private, max-age=86400"
        response["Content-Security-Policy"] = "default-src 'none'"
        # Django's precondition checks: lists of tags, weak tags and *; a 304 keeps the ETag.
        return get_conditional_response(request, etag=response["ETag"], response=response)
