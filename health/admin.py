from django import forms
from django.contrib import admin

from .forms import validate_interval
from .models import ConnectionHealth, HealthCheck, HealthPolicy


class HealthPolicyForm(forms.ModelForm):
    """The builder's rules (Security → Health checks): bounds, and off without a test request."""

    class Meta:
        model = HealthPolicy
        fields = ["connector", "interval_minutes"]

    def clean(self):
        cleaned = super().clean()
        connector, minutes = cleaned.get("connector"), cleaned.get("interval_minutes")
        if connector is not None and minutes is not None:
            try:
                validate_interval(minutes, connector)
            except forms.ValidationError as error:
                self.add_error("interval_minutes", error)
        return cleaned


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
