from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from auth_types import registry

from .. import sections, services
from ..forms import AuthTypeChoiceForm, ApiSettingsForm, security_form
from ..models import SECRETS_LOST
from .mixins import ConnectorSectionMixin


def chosen_type(choice_form):
    """Return the auth type the choice form holds (posted or stored), or None."""
    try:
        return registry.get(choice_form["auth_type"].value() or "")
    except registry.UnknownAuthType:
        return None


class AuthPanelMixin:
    """The chosen type's panel: its description, the callback URL where it has one, its config form."""

    def panel_context(self, connector, auth_type, config_form=None):
        if auth_type is None:
            return {"panel": None}
        # Built when the page renders it: a GET's fields usually come rendered from the cache (the template).
        form = config_form or SimpleLazyObject(lambda: security_form(connector, auth_type))
        return {"panel": {"type": auth_type, "form": form},
                "callback_url": self.request.build_absolute_uri(connector.callback_path())}


@method_decorator(sensitive_post_parameters(), name="dispatch")
class SecurityView(AuthPanelMixin, ConnectorSectionMixin, TemplateView):
    """Security: the authentication type and exactly its fields (only the chosen type's are rendered;
    the page's script fetches another type's panel when the choice changes, SecurityPanelView)."""

    section = "security"
    template_name = "builder/connector_security.html"

    def get_context_data(self, choice_form=None, config_form=None, test_form=None, section_forms=None, **kwargs):
        connector = self.get_connector()
        choice_form = choice_form or AuthTypeChoiceForm(initial={"auth_type": connector.auth_type}, connector=connector)
        auth_type = chosen_type(choice_form)
        context = self.panel_context(connector, auth_type, config_form)
        return super().get_context_data(
            choice_form=choice_form,
            active_form=context["panel"]["form"] if context["panel"] else None,
            test_form=test_form or SimpleLazyObject(lambda: ApiSettingsForm(instance=connector)),
            # Settings other apps keep about the connector (builder.sections): health checks, account identity.
            section_forms=sections.posted_forms(connector, self.section) if section_forms is None else section_forms,
            panel_url=reverse("builder:security_panel", args=[connector.pk, "__key__"]),
            secrets_lost_message=SECRETS_LOST,
            **context,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        connector = self.get_connector()
        choice_form = AuthTypeChoiceForm(request.POST, connector=connector)
        test_form = ApiSettingsForm(request.POST, instance=connector)
        if request.POST.get("action") == "switch":
            # Without the page's script: show the newly chosen type's fields (nothing is saved).
            return self.render_to_response(self.get_context_data(
                choice_form=choice_form, test_form=test_form,
                section_forms=sections.posted_forms(connector, self.section, request.POST, bind=False)))
        config_form = None
        # The API settings first: they put the posted test request on the connector, which sections may need.
        test_valid = test_form.is_valid()
        section_forms = sections.posted_forms(connector, self.section, request.POST)
        sections_valid = sections.all_valid(section_forms)
        if choice_form.is_valid():
            auth_type = registry.get(choice_form.cleaned_data["auth_type"])
            config_form = security_form(connector, auth_type, request.POST, request.FILES)
            if config_form.is_valid() & test_valid & sections_valid:
                services.connector_save_security(
                    connector=connector, user=request.user, auth_type=auth_type,
                    config_form=config_form, test_form=test_form, section_forms=section_forms,
                )
                messages.success(request, "Authentication parameters saved.")
                return redirect(self.next_step_url())
        # Refused: the page shows the stored connector around the posted values.
        connector.refresh_from_db()
        context = self.get_context_data(choice_form=choice_form, config_form=config_form, test_form=test_form,
                                        section_forms=section_forms)
        return self.render_to_response(context, status=400)


class SecurityPanelView(AuthPanelMixin, ConnectorSectionMixin, TemplateView):
    """One type's panel of the Security page, fetched by the page's script when the choice changes."""

    section = "security"
    template_name = "builder/_auth_panel.html"

    def get_context_data(self, **kwargs):
        try:
            auth_type = registry.get(self.kwargs["key"])
        except registry.UnknownAuthType:
            raise Http404("No such authentication type.") from None
        return self.panel_context(self.get_connector(), auth_type)
