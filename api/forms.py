import datetime

from django import forms
from django.utils import timezone

from .models import PersonalAccessToken
from .scopes import BUILDER_SCOPES, Scope, may_hold

MAX_LIFETIME_DAYS = 366
DEFAULT_LIFETIME_DAYS = 30
MAX_ACTIVE_TOKENS = 50


class TokenForm(forms.Form):
    """Create a personal access token for `user`: a name, its scopes and the day it expires."""

    name = forms.CharField(label="Token name", max_length=100,
                           help_text="What the token is for, e.g. the program that uses it.")
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple,
                                       help_text="What a program holding the token may do as you.")
    expires_on = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=f"The last day it works (UTC); at most {MAX_LIFETIME_DAYS} days ahead.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Only the scopes this user has are offered; any other one posted is refused by name below.
        self.fields["scopes"].widget.choices = [(value, label) for value, label in Scope.choices
                                                if may_hold(user, value)]
        self.fields["expires_on"].initial = self.today() + datetime.timedelta(days=DEFAULT_LIFETIME_DAYS)

    @staticmethod
    def today():
        return timezone.now().date()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        if "\x00" in name:
            raise forms.ValidationError("The name cannot hold a NUL character.")
        if PersonalAccessToken.objects.active().filter(user=self.user, name=name).exists():
            raise forms.ValidationError("You already have an active token of this name.")
        return name

    def clean_scopes(self):
        scopes = self.cleaned_data["scopes"]
        refused = [scope for scope in scopes if not may_hold(self.user, scope)]
        if refused:
            who = "connector builders" if set(refused) <= BUILDER_SCOPES else "you"
            raise forms.ValidationError(
                f"A token cannot have more than you have: {', '.join(refused)} is only for {who}.")
        # In Scope's order, whatever order they were posted in.
        return [scope for scope in Scope.values if scope in scopes]

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        today = self.today()
        if day < today:
            raise forms.ValidationError("Choose a day from today on.")
        if day > today + datetime.timedelta(days=MAX_LIFETIME_DAYS):
            raise forms.ValidationError(f"A token lasts at most {MAX_LIFETIME_DAYS} days: choose an earlier day.")
        return day

    def clean(self):
        cleaned = super().clean()
        if PersonalAccessToken.objects.active().filter(user=self.user).count() >= MAX_ACTIVE_TOKENS:
            raise forms.ValidationError(f"You have {MAX_ACTIVE_TOKENS} active tokens, the most allowed: "
                                        "revoke one first.")
        return cleaned

    def save(self):
        """Create the token; return (token, its full text, to show once)."""
        day = self.cleaned_data["expires_on"]
        # Works through the whole of the chosen day (UTC).
        expires_at = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min,
                                               tzinfo=datetime.timezone.utc)
        return PersonalAccessToken.issue(user=self.user, name=self.cleaned_data["name"],
                                         scopes=self.cleaned_data["scopes"], expires_at=expires_at)
