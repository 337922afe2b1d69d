"""Staff's view of the users' authenticator apps: who has one, and deleting one a user lost."""

from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Authenticator

# django-otp's own TOTP devices are not used (accounts.models.Authenticator keeps its key encrypted); the app
# stays installed for its table's migrations, which accounts' migration 0002 moved the devices from.
admin.site.unregister(TOTPDevice)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count",
              "throttling_failure_timestamp"]  # never the key

    def has_add_permission(self, request):
        return False  # set up by its user, who alone sees the key (once, as a QR code)

    def has_change_permission(self, request, obj=None):
        return False
