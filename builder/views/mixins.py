from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import get_object_or_404

from ..models import Connector
from ..steps import builder_steps

BUILD_PERMISSION = "builder.build_connector"


class BuilderRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous users go to the login page; signed-in users without the permission get a 403."""

    permission_required = BUILD_PERMISSION


class BadRequestOnInvalidMixin:
    """Answer 400 when a form is refused, so clients and tests can tell a refusal from a page."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class ConnectorSectionMixin(BuilderRequiredMixin):
    """A builder section of one connector: loads it and adds the left pane and progress."""

    section = ""

    def get_connector(self):
        if not hasattr(self, "_connector"):
            self._connector = get_object_or_404(Connector, pk=self.kwargs["pk"])
        return self._connector

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        connector = self.get_connector()
        context.update(connector=connector, section=self.section, steps=builder_steps(connector, self.section))
        return context

    def next_step_url(self):
        """Return where Save & Continue leads from this section."""
        return builder_steps(self.get_connector()).after(self.section).url
