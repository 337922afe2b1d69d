from django.contrib import admin

from builder import sections

from .forms import validate_interval
from .models import ConnectionHealth, HealthCheck, HealthPolicy


class HealthPolicyForm(sections.SettingAdminForm):
    """The builder's rules (Security → Health checks): bounds, and off without a test request."""

    setting_field = "interval_minutes"
    validator = staticmethod(validate_interval)

    class Meta:
        model = HealthPolicy
        fields = ["connector", "interval_minutes"]


@admin.register(HealthPolicy)
class HealthPolicyAdmin(admin.ModelAdmin):
    form = HealthPolicyForm
    list_display = ["connector", "interval_minutes"]
    autocomplete_fields = ["connector"]


@admin.register(ConnectionHealth)
class ConnectionHealthAdmin(admin.ModelAdmin):
    list_display = ["connection", "last_checked_at", "failing_since", "next_check_at"]
    list_filter = [("failing_since", admin.EmptyFieldListFilter)]
    readonly_fields = ["connection", "last_checked_at", "failing_since"]
    search_fields = ["connection__name", "connection__link_name"]


@admin.register(HealthCheck)
class HealthCheckAdmin(admin.ModelAdmin):
    list_display = ["connection", "checked_at", "outcome", "status_code", "latency_ms", "error"]
    list_filter = ["outcome"]
    search_fields = ["connection__name", "connection__link_name"]
    readonly_fields = ["connection", "checked_at", "outcome", "status_code", "latency_ms", "error"]

    def has_add_permission(self, request):
        return False
