from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .models import SECRETS_LOST, Connector, ConnectorChange, Scope


class ScopeInline(admin.TabularInline):
    model = Scope
    extra = 0


class ConnectorChangeInline(admin.TabularInline):
    model = ConnectorChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "user", "action", "fields")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    list_display = ("name", "link_name", "auth_type", "stage", "updated_at")
    list_filter = ("stage", "auth_type")
    search_fields = ("name", "link_name", "description")
    readonly_fields = ("auth_type", "security_configuration", "callback_id", "created_by", "created_at", "updated_at")
    fieldsets = (
        ("General", {"fields": ("name", "link_name", "description", "stage")}),
        ("Security configuration", {
            "fields": ("auth_type", "security_configuration", "scope_delimiter", "test_method", "test_url",
                       "callback_id"),
            "description": "Edit the authentication settings in the builder; secrets are never shown.",
        }),
        ("Record", {"fields": ("created_by", "created_at", "updated_at")}),
    )
    inlines = [ScopeInline, ConnectorChangeInline]

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
