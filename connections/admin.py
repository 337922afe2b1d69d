from django.contrib import admin

from connectors_site.admin_forms import BadRequestOnInvalidAdminMixin, PageRulesAdminForm

from .forms import ConnectionNameForm
from .models import Connection, ConnectionEvent


class ConnectionAdminForm(PageRulesAdminForm):
    page_forms = (ConnectionNameForm,)


class ConnectionEventInline(admin.TabularInline):
    model = ConnectionEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "user", "action", "detail")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Connection)
class ConnectionAdmin(BadRequestOnInvalidAdminMixin, admin.ModelAdmin):
    form = ConnectionAdminForm
    list_display = ("name", "link_name", "connector", "owner", "status", "enabled", "last_used_at")
    list_filter = ("status", "enabled", "connector__auth_type")
    search_fields = ("name", "link_name", "owner__username", "connector__name")
    list_select_related = ("connector", "owner")
    fields = ("name", "link_name", "connector", "owner", "status", "enabled", "variables", "stored_values",
              "token_expires_at",
              "granted_scopes", "last_used_at", "last_status", "last_error", "last_test_at", "last_test_ok",
              "last_test_message", "created_at", "updated_at")
    readonly_fields = ("link_name", "connector", "owner", "variables", "stored_values", "token_expires_at",
                       "granted_scopes",
                       "last_used_at", "last_status", "last_error", "last_test_at", "last_test_ok", "last_test_message",
                       "created_at", "updated_at")
    inlines = [ConnectionEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("connector__logo")

    @admin.display(description="Stored values")
    def stored_values(self, obj):
        if obj.needs_reconfiguration:
            return "Needs to be reconfigured (no configured key decrypts the stored values)"
        return ", ".join(f"{name}: ••••••••" for name, value in sorted(obj.secrets.items()) if value) or "—"
