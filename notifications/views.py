from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse_lazy
from django.views.generic import UpdateView

from .forms import NotificationSettingsForm
from .models import NotificationSettings


class NotificationSettingsView(LoginRequiredMixin, UpdateView):
    """The signed-in user's email notifications: on or off."""

    form_class = NotificationSettingsForm
    template_name = "notifications/settings.html"
    success_url = reverse_lazy("notifications:settings")

    def get_object(self, queryset=None):
        return NotificationSettings.objects.filter(user=self.request.user).first() or \
            NotificationSettings(user=self.request.user)

    def form_valid(self, form):
        messages.success(self.request, "Notification settings saved.")
        return super().form_valid(form)
