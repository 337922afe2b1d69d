"""A config form with fields shown on conditions: several controlling fields, and one behind another."""

from django import forms

from auth_types.base import AuthType
from auth_types.forms import ConfigForm, shown_when

MODES = [("a", "Mode A"), ("b", "Mode B"), ("c", "Mode C")]


class ConditionsForm(ConfigForm):
    secret_fields = ("b_secret",)

    mode = forms.ChoiceField(label="Mode", choices=MODES, initial="a")
    extra = forms.BooleanField(label="Extra", required=False)
    only_b = shown_when(forms.CharField(label="Only B", max_length=20, error_messages={
        "required": "Mode B needs it."}), mode="b")
    b_secret = shown_when(forms.CharField(label="B Secret", max_length=20, required=False), mode="b")
    b_or_c_with_extra = shown_when(forms.CharField(label="B or C with Extra", required=False, max_length=20),
                                   mode=["b", "c"], extra=True)
    detail_on = shown_when(forms.BooleanField(label="Detail On", required=False), mode="c")
    detail = shown_when(forms.CharField(label="Detail", required=False, max_length=5), detail_on=True)


class Conditions(AuthType):
    """A type built only to show its fields on conditions (never registered by the product)."""

    key = "zz_conditions"
    name = "Conditions"
    description = "Fields shown on conditions."
    config_form = ConditionsForm

    def credential_form(self, config):
        return None

    def auth(self, config, credentials, client=None):
        return None
