from django.contrib import admin, messages

from . import services
from .forms import EndpointForm
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "description", "active", "created_at"]
    list_filter = ["active"]
    actions = ["send_test_event"]

    def save_model(self, request, obj, form, change):
        if not change:
            secret = services.new_secret()
            obj.secret = {"signing_secret": secret}
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            messages.warning(request, f"The signing secret of {obj.url}, shown this once: {secret}")
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Send test event")
    def send_test_event(self, request, queryset):
        for endpoint in queryset:
            services.send_test_event(endpoint)
        messages.success(request, f"{queryset.count()} test event(s) queued.")


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["attempted_at", "succeeded", "status_code", "duration_ms", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "endpoint", "status", "attempt_count", "created_at", "next_attempt_at"]
    list_filter = ["status", "event_type"]
    readonly_fields = ["endpoint", "message_id", "event_type", "payload", "created_at", "status", "attempt_count",
                       "retries", "next_attempt_at"]
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Redeliver")
    def redeliver(self, request, queryset):
        for delivery in queryset:
            services.redeliver(delivery)
        messages.success(request, f"{queryset.count()} delivery(ies) will be sent again.")
