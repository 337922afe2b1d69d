from django.contrib import admin

from builder import sections

from .forms import validate_identity_field
from .models import AccountIdentity, IdentityField


class IdentityFieldForm(sections.SettingAdminForm):
    """The builder's rules (Security → Provider account): a path reconnect reads, and a test request."""

    setting_field = "path"
    validator = staticmethod(validate_identity_field)

    class Meta:
        model = IdentityField
        fields = ["connector", "path"]


@admin.register(IdentityField)
class IdentityFieldAdmin(admin.ModelAdmin):
    form = IdentityFieldForm
    list_display = ["connector", "path"]
    autocomplete_fields = ["connector"]


@admin.register(AccountIdentity)
class AccountIdentityAdmin(admin.ModelAdmin):
    list_display = ["connection", "source", "value", "updated_at"]
    readonly_fields = ["connection", "source", "value", "updated_at"]
    search_fields = ["connection__name", "value"]

    def has_add_permission(self, request):
        return False
