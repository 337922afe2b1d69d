from django.contrib import messages
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from auth_types import registry

from .. import services
from ..forms import AuthTypeChoiceForm, ApiSettingsForm, security_forms
from ..models import SECRETS_LOST
from .mixins import ConnectorSectionMixin


@method_decorator(sensitive_post_parameters(), name="dispatch")
class SecurityView(ConnectorSectionMixin, TemplateView):
    """Security: the authentication type and exactly its fields."""

    section = "security"
    template_name = "builder/connector_security.html"

    def get_context_data(self, choice_form=None, config_forms=None, test_form=None, **kwargs):
        connector = self.get_connector()
        choice_form = choice_form or AuthTypeChoiceForm(initial={"auth_type": connector.auth_type}, connector=connector)
        config_forms = config_forms or security_forms(connector)
        chosen = choice_form["auth_type"].value() or ""
        panels = [
            {"type": auth_type, "form": config_forms[auth_type.key], "active": auth_type.key == chosen}
            for auth_type in registry.all_types()
        ]
        callback_url = self.request.build_absolute_uri(connector.callback_path())
        return super().get_context_data(
            choice_form=choice_form,
            panels=panels,
            active_form=config_forms.get(chosen),
            test_form=test_form or ApiSettingsForm(instance=connector),
            callback_url=callback_url,
            secrets_lost_message=SECRETS_LOST,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        connector = self.get_connector()
        choice_form = AuthTypeChoiceForm(request.POST, connector=connector)
        config_forms = security_forms(connector, request.POST, request.FILES)
        test_form = ApiSettingsForm(request.POST, instance=connector)
        if choice_form.is_valid():
            auth_type = registry.get(choice_form.cleaned_data["auth_type"])
            config_form = config_forms[auth_type.key]
            if config_form.is_valid() & test_form.is_valid():
                services.connector_save_security(
                    connector=connector, user=request.user, auth_type=auth_type,
                    config_form=config_form, test_form=test_form,
                )
                messages.success(request, "Authentication parameters saved.")
                return redirect(self.next_step_url())
        # Refused: the page shows the stored connector around the posted values.
        connector.refresh_from_db()
        context = self.get_context_data(choice_form=choice_form, config_forms=config_forms, test_form=test_form)
        return self.render_to_response(context, status=400)
