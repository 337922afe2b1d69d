from django.contrib import admin

from .models import AccountIdentity, IdentityField


@admin.register(IdentityField)
class IdentityFieldAdmin(admin.ModelAdmin):
    list_display = ["connector", "path"]
    autocomplete_fields = ["connector"]


@admin.register(AccountIdentity)
class AccountIdentityAdmin(admin.ModelAdmin):
    list_display = ["connection", "source", "value", "updated_at"]
    readonly_fields = ["connection", "source", "value", "updated_at"]
    search_fields = ["connection__name", "value"]

    def has_add_permission(self, request):
        return False
