"""Each type's config schema for connector documents, generated from its config form."""

import jsonschema
import pytest
from django import forms

from auth_types import registry
from auth_types.forms import ConfigForm, shown_when
from auth_types.schema import form_schema
from tests.examples import example, keys


@pytest.mark.parametrize("key", keys())
def test_each_type_s_schema_is_valid_and_accepts_its_example(key):
    schema = registry.get(key).config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(example(key).config)


@pytest.mark.parametrize("key", keys())
def test_each_type_s_schema_refuses_an_unknown_field_and_never_describes_a_secret(key):
    kind = registry.get(key)
    validator = jsonschema.Draft202012Validator(kind.config_schema())
    assert not validator.is_valid({**example(key).config, "zz_unknown": "x"})
    assert not set(kind.config_form.secret_fields) & set(kind.config_schema()["properties"])


class Form(ConfigForm):
    secret_fields = ("secret",)

    mode = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], initial="a")
    only = forms.ChoiceField(choices=[("x", "X")])
    count = forms.IntegerField(min_value=1, max_value=9)
    flag = forms.BooleanField(required=False)
    name = forms.CharField(max_length=20)
    optional = forms.CharField(max_length=30, required=False)
    fixed = forms.CharField(initial="Fixed", disabled=True, required=False)
    when_b = shown_when(forms.CharField(max_length=40), mode="b")
    client = forms.CharField(max_length=50)
    secret = forms.CharField()


def test_the_schema_follows_the_form_s_fields():
    schema = form_schema(Form, may_be_missing=("client",))
    assert schema["properties"] == {
        "mode": {"enum": ["a", "b"]},
        "only": {"const": "x"},
        "count": {"type": "integer", "minimum": 1, "maximum": 9},
        "flag": {"type": "boolean"},
        "name": {"type": "string", "minLength": 1, "maxLength": 20},
        "optional": {"type": "string", "maxLength": 30},
        "fixed": {"const": "Fixed"},
        "when_b": {"type": "string", "maxLength": 40},  # may be empty: it applies in mode b only
        "client": {"type": "string", "maxLength": 50},  # the installation fills it in
    }
    # Stated in every document: required by the form, no default, no condition, not left to the admin.
    assert schema["required"] == ["only", "count", "name"]
    assert schema["additionalProperties"] is False
