from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from .models import EVENT_TYPES, WebhookEndpoint


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https",
                         help_text="Where events are POSTed (https).")
    event_types = forms.MultipleChoiceField(choices=EVENT_TYPES, widget=forms.CheckboxSelectMultiple,
                                            help_text="The events sent to this endpoint.")

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.startswith("https://") and not (settings.CONNECTORS_ALLOW_INSECURE_HTTP and
                                                   url.startswith("http://")):
            raise ValidationError("Use an https:// URL: webhooks carry your connections' names and states.")
        if "\x00" in url:
            raise ValidationError("The URL holds a NUL character.")
        return url
