from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
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
        """One way to save: the scope rows being added and the delimiter are saved together, whichever
        button is pressed (Add stays on the page, Save & Continue goes on to Ready); the page's script
        also saves the delimiter on its own as soon as it is changed (action=delimiter)."""
        connector = self.get_connector()
        action = request.POST.get("action", "continue")
        # The page always sends the delimiter; a bare Add (rows only) leaves it as it is.
        delimiter_form = None if action == "add" and "scope_delimiter" not in request.POST \
            else ScopeDelimiterForm(request.POST, instance=connector)
        # The delimiter is checked first: new rows are then checked against the delimiter being saved.
        delimiter_ok = delimiter_form is None or delimiter_form.is_valid()
        formset = None
        if action != "delimiter" and "scopes-TOTAL_FORMS" in request.POST:
            formset = ScopeFormSet(request.POST, prefix="scopes", form_kwargs={"connector": connector})
        rows_ok = formset is None or formset.is_valid()
        if not (delimiter_ok and rows_ok):
            if action == "delimiter" and self.wants_json():
                return JsonResponse({"error": " ".join(delimiter_form.errors.get("scope_delimiter", []))}, status=400)
            connector.refresh_from_db()
            context = self.get_context_data(formset=formset if formset is not None and formset.has_changed() else None,
                                            delimiter_form=delimiter_form)
            return self.render_to_response(context, status=400)
        rows = [form.cleaned_data for form in formset.forms if form.cleaned_data] if formset is not None else []
        delimiter_changed = delimiter_form is not None and delimiter_form.has_changed()
        with transaction.atomic():
            if delimiter_changed:
                delimiter_form.save()
                self.record(["scope_delimiter"])
            if rows:
                Scope.objects.bulk_create(Scope(connector=connector, **row) for row in rows)
                self.record(["scopes"])
        said = []
        if rows:
            said.append(f"Added {len(rows)} scope{'s' if len(rows) != 1 else ''}.")
        if delimiter_changed:
            said.append("Scope delimiter saved.")
        if action == "delimiter" and self.wants_json():
            return JsonResponse({"message": " ".join(said) or "Scope delimiter unchanged."})
        for message in said:
            messages.success(request, message)
        return redirect(self.next_step_url() if action == "continue" else reverse("builder:scopes", args=[connector.pk]))

    def wants_json(self):
        return "application/json" in self.request.headers.get("Accept", "")


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
