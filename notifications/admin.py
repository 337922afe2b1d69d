from django.contrib import admin

from .models import NotificationSettings, ProblemNotice


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "connection_problems", "daily_digest"]
    search_fields = ["user__username", "user__email"]


@admin.register(ProblemNotice)
class ProblemNoticeAdmin(admin.ModelAdmin):
    list_display = ["connection", "problem", "sent_at"]
    list_filter = ["problem"]
    readonly_fields = ["connection", "problem", "sent_at"]

    def has_add_permission(self, request):
        return False
