from django.contrib import admin, messages
from django.utils import timezone

from .models import PersonalAccessToken


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    """Staff see and revoke tokens; a token is created by its user on the API tokens page (shown once)."""

    list_display = ("name", "display_prefix", "user", "scopes", "created_at", "expires_at", "last_used_at",
                    "status", "proxy_calls")
    list_filter = ("revoked_at",)
    search_fields = ("name", "lookup_id", "user__username")
    list_select_related = ("user",)
    fields = ("name", "user", "display_prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at",
              "proxy_calls")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Token")
    def display_prefix(self, obj):
        return f"{obj.display_prefix}…"

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"Revoked {count} token(s).")
