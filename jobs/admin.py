from django.contrib import admin

from .models import PeriodicRun


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    list_display = ["job", "tick", "started_at", "finished_at", "outcome"]
    list_filter = ["job"]
    readonly_fields = ["job", "tick", "started_at", "finished_at", "outcome"]

    def has_add_permission(self, request):
        return False
