"""The health-check interval on the builder's Security page (a builder.sections section)."""

from django import forms
from django.conf import settings

from builder import sections

from .models import HealthPolicy
from .services import reschedule

MIN_MINUTES = 5  # checks run at most every 5 minutes: a test request is a call the provider counts
MAX_MINUTES = 7 * 24 * 60  # at least once a week
BOUNDS = f"Use 0 to turn checks off, or from {MIN_MINUTES} to {MAX_MINUTES} minutes (a week)."
NO_TEST_REQUEST = ("This connector has no test request, so there is nothing to check: leave this empty or 0 (off), "
                   "or give a test request.")


def validate_interval(minutes, connector):
    """Refuse an interval out of bounds, or any but 0 (off) for a connector without a test request."""
    if minutes != 0 and not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise forms.ValidationError(BOUNDS, code="out_of_bounds")
    if minutes and not connector.test_url:
        raise forms.ValidationError(NO_TEST_REQUEST, code="no_test_request")


class HealthCheckForm(sections.SectionForm):
    minutes = forms.IntegerField(label="Check each connection every (minutes)", required=False,
                                 widget=forms.NumberInput(attrs={"min": 0, "max": MAX_MINUTES}))
    document_schema = {
        "description": f"Minutes between two health checks of each connection (0: off; {MIN_MINUTES} to "
                       f"{MAX_MINUTES}); left out: the installation's default.",
        "type": "integer", "minimum": 0, "maximum": MAX_MINUTES,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = settings.CONNECTORS_HEALTH_INTERVAL
        field = self.fields["minutes"]
        field.widget.attrs["placeholder"] = str(default)
        field.help_text = (f"The connector's test request is made through each connection this often to show "
                           f"its health. Empty: the default (every {default} minutes); 0: off. Without a test "
                           f"request there are no checks.")

    @classmethod
    def stored(cls, connector):
        try:
            return {"minutes": connector.health_policy.interval_minutes}
        except HealthPolicy.DoesNotExist:
            return {}

    def clean_minutes(self):
        minutes = self.cleaned_data["minutes"]
        if minutes is not None:
            validate_interval(minutes, self.connector)
        return minutes

    def save(self, connector):
        minutes = self.cleaned_data["minutes"]
        before = self.initial.get("minutes")
        if minutes is None:
            HealthPolicy.objects.filter(connector=connector).delete()
        else:
            HealthPolicy.objects.update_or_create(connector=connector, defaults={"interval_minutes": minutes})
        if before != minutes:
            reschedule(connector)

    @classmethod
    def to_document(cls, connector):
        return cls.stored(connector).get("minutes")

    @classmethod
    def data_from_document(cls, value):
        return {"minutes": value}


SECTION = sections.ConnectorSection(key="health_check_interval", label="Health checks", step="security",
                                    form_class=HealthCheckForm, related="health_policy")
