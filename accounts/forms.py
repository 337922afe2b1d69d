from django import forms
from django.core.exceptions import ValidationError


class CodeForm(forms.Form):
    """A code from the user's authenticator app, checked against `device` (used once, throttled)."""

    code = forms.CharField(
        label="Authentication code", max_length=10,
        help_text="The 6-digit code your authenticator app shows now.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def __init__(self, *args, device, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        allowed, extra = self.device.verify_is_allowed()
        if not allowed:
            raise ValidationError(
                f"{extra.get('failure_count', 'Several')} wrong codes in a row: codes are not checked for a "
                "little while. Wait a minute, then enter the current code.", code="throttled")
        if not (code.isdigit() and self.device.verify_token(code)):
            raise ValidationError("That code is not right, or it was used already. Enter the current code.",
                                  code="invalid_code")
        return code
