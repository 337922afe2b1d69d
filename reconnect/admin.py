from django import forms
from django.contrib import admin

from .forms import validate_identity_field
from .models import AccountIdentity, IdentityField


class IdentityFieldForm(forms.ModelForm):
    """The builder's rules (Security → Provider account): a path reconnect reads, and a test request."""

    class Meta:
        model = IdentityField
        fields = ["connector", "path"]

    def clean(self):
        cleaned = super().clean()
        connector, path = cleaned.get("connector"), cleaned.get("path")
        if connector is not None and path:
            try:
                validate_identity_field(path, connector)
            except forms.ValidationError as error:
                self.add_error("path", error)
        return cleaned


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
