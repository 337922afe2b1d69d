from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import get_object_or_404
from django.urls import reverse

from ..models import Connector

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


def builder_sections(connector):
    """Return the left pane: (key, label, url, done) for each section that applies."""
    general_done = not connector.general_problems()
    security_done = not connector.security_problems()
    sections = [
        ("general", "General", reverse("builder:general", args=[connector.pk]), general_done),
        ("security", "Security", reverse("builder:security", args=[connector.pk]), security_done),
    ]
    if connector.uses_scopes:
        sections.append(
            ("scopes", "OAuth Scopes", reverse("builder:scopes", args=[connector.pk]), connector.scopes.exists())
        )
    return sections


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
        sections = builder_sections(connector)
        steps = [done for *_, done in sections] + [connector.is_ready]
        context.update(
            connector=connector,
            section=self.section,
            sections=sections,
            progress=round(100 * sum(steps) / len(steps)),
            steps_done=sum(steps),
            steps_total=len(steps),
        )
        return context
