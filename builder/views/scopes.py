from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView, UpdateView

from .. import services
from ..forms import ScopeDelimiterForm, ScopeForm, ScopeFormSet
from ..models import ConnectorChange, Scope
from ..steps import scope_recommendation
from .mixins import BadRequestOnInvalidMixin, ConnectorSectionMixin


class ScopeSectionMixin(ConnectorSectionMixin):
    section = "scopes"

    def get_connector(self):
        connector = super().get_connector()
        if not connector.uses_scopes:
            raise Http404("OAuth Scopes apply to OAuth connectors only.")
        return connector

    def record(self, fields):
        services.connector_record_change(
            connector=self.get_connector(), user=self.request.user, action=ConnectorChange.Action.SCOPES,
            fields=fields,
        )


class ScopeListView(ScopeSectionMixin, TemplateView):
    """OAuth Scopes: the table with search and bulk delete, +Add Scope rows, the delimiter."""

    template_name = "builder/scope_list.html"

    def get_context_data(self, formset=None, delimiter_form=None, **kwargs):
        connector = self.get_connector()
        q = self.request.GET.get("q", "").strip()
        scopes = connector.scopes.all()
        if q:
            scopes = scopes.filter(Q(name__icontains=q) | Q(value__icontains=q))
        return super().get_context_data(
            scopes=scopes,
            q=q,
            formset=formset or ScopeFormSet(prefix="scopes", form_kwargs={"connector": connector}),
            show_add=formset is not None,
            delimiter_form=delimiter_form or ScopeDelimiterForm(instance=connector),
            recommendation=scope_recommendation(connector),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "add":
            return self.add_scopes(request)
        return self.save_and_continue(request)

    def save_and_continue(self, request):
        """Save & Continue: the scope delimiter (the scopes are saved as they are added), then Ready."""
        connector = self.get_connector()
        form = ScopeDelimiterForm(request.POST, instance=connector)
        if form.is_valid():
            if form.has_changed():
                with transaction.atomic():
                    form.save()
                    self.record(["scope_delimiter"])
                messages.success(request, "Scope delimiter saved.")
            return redirect(self.next_step_url())
        connector.refresh_from_db()
        return self.render_to_response(self.get_context_data(delimiter_form=form), status=400)

    def add_scopes(self, request):
        """Add the posted scope rows, all or none."""
        connector = self.get_connector()
        formset = ScopeFormSet(request.POST, prefix="scopes", form_kwargs={"connector": connector})
        if formset.is_valid():
            rows = [form.cleaned_data for form in formset.forms if form.cleaned_data]
            if rows:
                with transaction.atomic():
                    Scope.objects.bulk_create(Scope(connector=connector, **row) for row in rows)
                    self.record(["scopes"])
                messages.success(request, f"Added {len(rows)} scope{'s' if len(rows) != 1 else ''}.")
            return redirect("builder:scopes", connector.pk)
        return self.render_to_response(self.get_context_data(formset=formset), status=400)


class ScopeEditView(ScopeSectionMixin, BadRequestOnInvalidMixin, UpdateView):
    template_name = "builder/scope_edit.html"
    form_class = ScopeForm
    context_object_name = "scope"

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_connector().scopes, pk=self.kwargs["scope_pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "connector": self.get_connector()}

    def form_valid(self, form):
        with transaction.atomic():
            form.save()
            if form.changed_data:
                self.record([f"scope.{name}" for name in form.changed_data])
        messages.success(self.request, "Scope saved.")
        return redirect("builder:scopes", self.get_connector().pk)


class ScopeDeleteView(ScopeSectionMixin, TemplateView):
    """Delete one scope (the row menu) or the checked ones (bulk Delete)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        connector = self.get_connector()
        ids = [kwargs["scope_pk"]] if "scope_pk" in kwargs else request.POST.getlist("selected")
        ids = [value for value in map(str, ids) if value.isascii() and value.isdigit() and int(value) < 2**63]
        with transaction.atomic():
            deleted, _ = connector.scopes.filter(pk__in=ids).delete()
            if deleted:
                self.record(["scopes"])
        if deleted:
            messages.success(request, f"Deleted {deleted} scope{'s' if deleted != 1 else ''}.")
        else:
            messages.warning(request, "Select the scopes to delete first.")
        return redirect("builder:scopes", connector.pk)
