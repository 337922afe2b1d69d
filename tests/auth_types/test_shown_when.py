"""Fields shown on a condition: the form ignores those that do not apply; the generic template marks them."""

import json
import re

import pytest
from django import forms
from django.template.loader import render_to_string

from auth_types import registry
from auth_types.checks import condition_problems, contract_problems
from auth_types.forms import shown_when
from tests.auth_types.conditions import Conditions, ConditionsForm


def bound(**data):
    return ConditionsForm({f"c-{name}": value for name, value in data.items()}, prefix="c")


def test_a_field_that_applies_is_validated():
    form = bound(mode="b", only_b="")
    assert not form.is_valid() and form.errors["only_b"] == ["Mode B needs it."]


def test_a_field_that_does_not_apply_is_neither_validated_nor_stored():
    form = bound(mode="a", only_b="x" * 50, b_secret="left-over", detail="far too long")
    assert form.is_valid(), form.errors
    assert form.config()["only_b"] == "" and form.config()["detail"] == ""
    assert form.secrets() == {"b_secret": ""}  # a secret not in use is not kept


@pytest.mark.parametrize("data, applying", [
    ({"mode": "b", "extra": "on"}, {"only_b", "b_secret", "b_or_c_with_extra"}),
    ({"mode": "b"}, {"only_b", "b_secret"}),
    ({"mode": "c", "extra": "on"}, {"b_or_c_with_extra", "detail_on"}),
    ({"mode": "c", "detail_on": "on"}, {"detail_on", "detail"}),
    # detail_on holds True, but does not apply in mode A: detail does not either.
    ({"mode": "a", "detail_on": "on", "detail": "x"}, set()),
])
def test_several_controlling_fields_and_a_field_behind_another(data, applying):
    form = bound(only_b="given", **data)
    form.is_valid()
    conditional = {name for name, field in form.fields.items() if getattr(field, "shown_when", None)}
    assert conditional - form.ignored == applying


def test_a_stored_secret_is_dropped_once_its_field_no_longer_applies():
    form = ConditionsForm({"c-mode": "a"}, prefix="c", stored_secrets={"b_secret": "stored"})
    assert form.is_valid() and form.secrets() == {"b_secret": ""}
    form = ConditionsForm({"c-mode": "b", "c-only_b": "x"}, prefix="c", stored_secrets={"b_secret": "stored"})
    assert form.is_valid() and form.secrets() == {"b_secret": "stored"}


def test_the_summary_leaves_out_what_does_not_apply():
    config = {"mode": "a", "extra": False, "only_b": "", "b_or_c_with_extra": "", "detail_on": False, "detail": ""}
    assert [label for label, _ in Conditions().summary(config, {})] == ["Mode", "Extra"]


def test_the_generic_template_marks_each_field_with_its_conditions_by_input_name():
    page = render_to_string(Conditions.config_template, {"form": ConditionsForm(prefix="c")})
    marks = {json.dumps(json.loads(match.replace("&quot;", '"')), sort_keys=True)
             for match in re.findall(r'data-shown-when="([^"]+)"', page)}
    assert marks == {json.dumps(value, sort_keys=True) for value in (
        {"c-mode": ["b"]}, {"c-mode": ["b", "c"], "c-extra": [True]}, {"c-mode": ["c"]}, {"c-detail_on": [True]})}
    assert "<script" not in page and "style=" not in page


@pytest.mark.parametrize("auth_type", registry.all_types(), ids=lambda auth_type: auth_type.key)
def test_no_config_template_holds_inline_scripts_or_styles(auth_type):
    page = render_to_string(auth_type.config_template, {"form": auth_type.config_form(prefix=auth_type.key)})
    assert "<script" not in page and "style=" not in page


def test_the_contract_refuses_conditions_on_unknown_fields_and_cycles():
    fields = {"a": shown_when(forms.CharField(), b=True), "b": shown_when(forms.BooleanField(), a="x"),
              "c": shown_when(forms.CharField(), nowhere="x")}
    problems = condition_problems("T", fields)
    assert "T: c is shown when 'nowhere', a field the form does not have." in problems
    assert "T: a is shown on a condition that depends on itself." in problems
    assert contract_problems(Conditions) == []


def test_oauth2_shows_the_redirect_flow_fields_for_the_authorization_code_grant_only():
    form = registry.get("oauth2").config_form(prefix="oauth2")
    conditional = {name: field.shown_when for name, field in form.fields.items()
                   if getattr(field, "shown_when", {}).keys() == {"grant_type"}}
    assert conditional == {name: {"grant_type": ["authorization_code"]} for name in (
        "authorization_url", "revoke_url", "refresh_url", "pkce", "issuer", "require_iss", "authorization_params")}


def test_oauth2_asks_for_the_client_secret_for_the_strategies_that_send_it():
    from auth_types import oauth2_client_auth

    field = registry.get("oauth2").config_form.base_fields["client_secret"]
    assert field.shown_when == {"client_auth": oauth2_client_auth.using_client_secret()}
    assert set(field.shown_when["client_auth"]) == {"client_secret_basic", "client_secret_post"}
