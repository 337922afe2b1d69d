from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join

from connectors_site.admin_forms import BadRequestOnInvalidAdminMixin, PageRulesAdminForm

from . import api_origins, services
from .forms import GeneralForm, ScopeDelimiterForm, ScopeForm, ApiSettingsForm
from .models import SECRETS_LOST, Connector, ConnectorChange, Scope


class ConnectorAdminForm(PageRulesAdminForm):
    page_forms = (GeneralForm, ApiSettingsForm, ScopeDelimiterForm)
    # As in Security: one origin per line (the page form reads the same posted text).
    api_origins = ApiSettingsForm.base_fields["api_origins"].__class__(
        label="Other API hosts", required=False, help_text=ApiSettingsForm.base_fields["api_origins"].help_text)
    # As in Security: one connection variable per line.
    variables = ApiSettingsForm.base_fields["variables"].__class__(
        label="Connection variables", required=False, help_text=ApiSettingsForm.base_fields["variables"].help_text)

    def clean(self):
        cleaned = super().clean()
        test_url = cleaned.get("test_url") or ""
        if not cleaned.get("base_url") and "://" in test_url and "base_url" in self.fields:
            cleaned["base_url"] = api_origins.origin(test_url)  # as Security does
        return cleaned


class ScopeInlineFormSet(BaseInlineFormSet):
    """Scope rows checked by the builder's scope form, against the connector being saved with them."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "connector": self.instance}


class ScopeInline(admin.TabularInline):
    model = Scope
    form = ScopeForm
    formset = ScopeInlineFormSet
    extra = 0


class ConnectorChangeInline(admin.TabularInline):
    model = ConnectorChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "user", "action", "fields")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Connector)
class ConnectorAdmin(BadRequestOnInvalidAdminMixin, admin.ModelAdmin):
    form = ConnectorAdminForm
    list_display = ("name", "link_name", "auth_type", "stage", "updated_at")
    list_filter = ("stage", "auth_type")
    search_fields = ("name", "link_name", "description")
    readonly_fields = ("stage", "auth_type", "security_configuration", "callback_id", "created_by", "created_at", "updated_at")
    fieldsets = (
        ("General", {"fields": ("name", "link_name", "description", "stage")}),
        ("Security configuration", {
            "fields": ("auth_type", "security_configuration", "scope_delimiter", "test_method", "test_url",
                       "callback_id"),
            "description": "Edit the authentication settings in the builder; secrets are never shown.",
        }),
        ("API", {"fields": ("base_url", "api_origins", "other_hosts", "variables")}),
        ("When a token has expired", {"fields": ("expiry_statuses", "expiry_body_field", "expiry_body_value")}),
        ("Record", {"fields": ("created_by", "created_at", "updated_at")}),
    )
    inlines = [ScopeInline, ConnectorChangeInline]
    actions = ["mark_ready"]

    @admin.action(description="Mark as Ready (only those complete and valid)")
    def mark_ready(self, request, queryset):
        # The stage is read-only above: the Ready gate applies here as in the builder.
        for connector in queryset:
            try:
                services.connector_mark_ready(connector=connector, user=request.user)
            except services.ConnectorNotComplete as error:
                self.message_user(request, f"{connector}: {'; '.join(error.problems)}", messages.ERROR)
            else:
                self.message_user(request, f"{connector} is Ready.", messages.SUCCESS)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("logo")

    @admin.display(description="Settings")
    def security_configuration(self, obj):
        if not obj.kind:
            return "—"
        rows = obj.kind.summary(obj.config, obj.secrets)
        if obj.secrets_lost:
            rows = [*rows, ("Secrets", SECRETS_LOST)]
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )
