"""The Security section's configuration forms of the key-based types: Basic, API Key, Bearer Token, AWS.

Every help-page rule, accepted and refused. Forms are bound as the builder binds them: prefixed
with the type's key. No database.
"""

import re

import pytest
from django.template.loader import render_to_string

from auth_types import registry
from auth_types.api_key import MAX_PARAMETERS
from auth_types.validators import HTTP_TOKEN_SPECIALS, PARAMETER_NAME_SPECIALS
from tests.auth_types.config_form_helpers import accepted_or_refused, assert_refused, assert_valid, bind, valid

REFUSED_NAME_SPECIALS = list("#$%^()=[]{};'\"<>?,.`") + ["€", "\t"]


# Basic ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, ok", [
    *[(name, value, ok) for name in ("username_name", "password_name") for value, ok in [
        ("U" * 50, True), ("U" * 51, False), ("1st user", True), ("User: name", True), ("", False),
        ("_user", False), ("-user", False), ("user#1", False), ("user.name", False)]],
    *[(key, value, ok) for key in ("username_key", "password_key") for value, ok in [
        ("k" * 100, True), ("k" * 101, False), ("X-User_Name.1", True), ("", False),
        ("user name", False), ("usér", False), ("user:name", False)]],
])
def test_basic_parameter_names_and_keys(field, value, ok):
    accepted_or_refused(bind("basic", **{field: value}), field, ok)


def test_basic_defaults_are_the_help_page_ones_and_stored_as_given():
    form = registry.get("basic").config_form(prefix="basic")
    assert [form[name].value() for name in valid("basic")] == ["Username", "username", "Password", "password"]
    form = bind("basic", username_key="login", password_key="secret")
    assert_valid(form)
    assert form.config() == {**valid("basic"), "username_key": "login", "password_key": "secret"}
    assert form.secrets() == {}


def test_basic_refuses_one_key_for_both():
    assert_refused(bind("basic", password_key="username"), "password_key")


def test_parameter_key_message_lists_what_it_accepts():
    form = bind("basic", username_key="user name")
    assert_refused(form, "username_key")
    assert HTTP_TOKEN_SPECIALS in form.errors["username_key"][0]


# Parameter Name (the Bearer Token rule; Basic and API Key names share the validator) --------

@pytest.mark.parametrize("special", PARAMETER_NAME_SPECIALS.split())
def test_parameter_name_accepts_each_allowed_special_but_not_first(special):
    assert_valid(bind("bearer", parameter_name=f"Token{special}Name"))
    assert_refused(bind("bearer", parameter_name=f"{special}Token"), "parameter_name")


@pytest.mark.parametrize("special", REFUSED_NAME_SPECIALS)
def test_parameter_name_refuses_other_specials(special):
    form = bind("bearer", parameter_name=f"Token{special}Name")
    assert_refused(form, "parameter_name")
    assert PARAMETER_NAME_SPECIALS in form.errors["parameter_name"][0]


@pytest.mark.parametrize("value, ok", [("9 Token", True), ("T", True), ("T" * 50, True), ("T" * 51, False),
                                       ("", False)])
def test_parameter_name_start_and_length(value, ok):
    accepted_or_refused(bind("bearer", parameter_name=value), "parameter_name", ok)


# API Key -------------------------------------------------------------------------------------

def api_key_form(rows, *, deleted=(), initial=0, stored_config=None, data_changes=None):
    """Bind the API Key form to parameter rows (name, key, location), some marked DELETE."""
    prefix = "api_key-parameters"
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, (name, key, location) in enumerate(rows):
        data.update({f"{prefix}-{index}-name": name, f"{prefix}-{index}-key": key,
                     f"{prefix}-{index}-location": location})
        if index in deleted:
            data[f"{prefix}-{index}-DELETE"] = "on"
    data.update(data_changes or {})
    return registry.get("api_key").config_form(data, prefix="api_key", stored_config=stored_config)


def rows(count, location="query"):
    return [(f"Key {index}", f"key_{index}", location) for index in range(count)]


def test_api_key_rows_in_each_location_are_stored():
    form = api_key_form([("API Key", "api_key", "query"), ("Account", "account", "form"),
                         ("Token", "X-API-Key", "header")])
    assert_valid(form)
    assert form.config() == {"parameters": [
        {"name": "API Key", "key": "api_key", "location": "query"},
        {"name": "Account", "key": "account", "location": "form"},
        {"name": "Token", "key": "X-API-Key", "location": "header"}]}


def test_api_key_help_text_is_stored_when_given_and_printable():
    help_text = "Find it under Settings, API keys (admins only)."
    form = api_key_form([("Key", "k", "header"), ("Account", "a", "query")],
                        data_changes={"api_key-parameters-0-help_text": help_text})
    assert_valid(form)
    assert form.config()["parameters"] == [{"name": "Key", "key": "k", "location": "header", "help_text": help_text},
                                           {"name": "Account", "key": "a", "location": "query"}]
    form = api_key_form([("Key", "k", "header")], data_changes={"api_key-parameters-0-help_text": "line\nbreak"})
    assert not form.is_valid() and "help_text" in form.parameters.errors[0]


@pytest.mark.parametrize("first, second, ok", [
    (("A", "api_key", "query"), ("B", "api_key", "query"), False),
    (("A", "api_key", "form"), ("B", "api_key", "form"), False),
    (("A", "X-Key", "header"), ("B", "x-key", "header"), False),  # header names ignore case
    (("A", "Key", "query"), ("B", "key", "query"), True),  # query keys do not
    (("A", "api_key", "query"), ("B", "api_key", "header"), True),
    (("A", "api_key", "query"), ("B", "api_key", "form"), True),
    (("Same", "one", "query"), ("same", "two", "query"), False),  # the end user could not tell them apart
])
def test_api_key_duplicates_in_one_location(first, second, ok):
    form = api_key_form([first, second])
    assert form.is_valid() is ok, form.error_list()
    if not ok:
        assert any(message.startswith("Parameter 2, ") for message in form.error_list())


def test_api_key_same_name_found_past_a_duplicate_key():
    form = api_key_form([("X", "k", "query"), ("Y", "k", "query"), ("x", "z", "query")])
    assert not form.is_valid()
    assert list(form.parameters.errors[1]) == ["key"] and list(form.parameters.errors[2]) == ["name"]


def test_api_key_removed_row_frees_its_key_and_leaves_the_config():
    form = api_key_form([("A", "api_key", "query"), ("B", "api_key", "query")], deleted={0}, initial=2)
    assert_valid(form)
    assert form.config() == {"parameters": [{"name": "B", "key": "api_key", "location": "query"}]}


def test_api_key_errors_of_a_removed_row_are_not_reported():
    form = api_key_form([("#bad", "bad key", "query"), ("A", "a", "nowhere")], deleted={0}, initial=2)
    assert not form.is_valid()
    assert form.error_list() == ["Parameter 2, Parameter Location: Select a valid choice. nowhere is not one of "
                                 "the available choices."]


@pytest.mark.parametrize("count, deleted, ok", [
    (0, (), False), (1, {0}, False), (2, {0, 1}, False), (1, (), True),
    (MAX_PARAMETERS, (), True), (MAX_PARAMETERS + 1, (), False), (MAX_PARAMETERS + 1, {3}, True),
])
def test_api_key_needs_at_least_one_row_and_at_most_the_maximum(count, deleted, ok):
    form = api_key_form(rows(count), deleted=deleted, initial=count)
    assert form.is_valid() is ok, form.error_list()
    if not ok:
        assert form.error_list() == [f"A connector takes at most {MAX_PARAMETERS} parameters."
                                     if count > MAX_PARAMETERS else "Add at least one parameter."]


def test_api_key_blank_added_row_is_ignored():
    form = api_key_form([("A", "a", "query"), ("", "", "header")], initial=1)
    assert_valid(form)
    assert len(form.config()["parameters"]) == 1


@pytest.mark.parametrize("row, field, ok", [
    (("N" * 50, "k", "query"), "name", True), (("N" * 51, "k", "query"), "name", False),
    (("N", "k" * 100, "query"), "key", True), (("N", "k" * 101, "query"), "key", False),
    (("-N", "k", "query"), "name", False), (("N", "my key", "query"), "key", False),
    (("N", "", "query"), "key", False), (("", "k", "query"), "name", False),
    (("N", "k", "cookie"), "location", False), (("N", "k", ""), "location", False),
])
def test_api_key_row_fields(row, field, ok):
    form = api_key_form([row])
    assert form.is_valid() is ok
    if not ok:
        assert field in form.parameters.errors[0]


def test_api_key_without_management_form_is_refused_not_raised():
    form = registry.get("api_key").config_form({"api_key-parameters-0-name": "A"}, prefix="api_key")
    assert not form.is_valid()
    assert form.error_list()


def test_api_key_unbound_shows_one_default_row_or_the_stored_ones():
    auth_type = registry.get("api_key")
    page = render_to_string(auth_type.config_template, {"form": auth_type.config_form(prefix="api_key")})
    assert 'value="API Key"' in page and 'name="api_key-parameters-TOTAL_FORMS" value="1"' in page
    stored = {"parameters": [{"name": "A", "key": "a", "location": "query"}, {"name": "B", "key": "b",
                                                                             "location": "form"}]}
    page = render_to_string(auth_type.config_template, {
        "form": auth_type.config_form(prefix="api_key", stored_config=stored)})
    assert 'name="api_key-parameters-TOTAL_FORMS" value="2"' in page and 'value="API Key"' not in page


# Bearer Token --------------------------------------------------------------------------------

def test_bearer_defaults_header_bearer_token_and_authorization():
    form = registry.get("bearer").config_form(prefix="bearer")
    assert [form[name].value() for name in ("location", "parameter_name", "parameter_key", "token_prefix")] == [
        "header", "Bearer Token", "Authorization", "Bearer"]
    assert re.search(r'<input[^>]*name="bearer-parameter_key"[^>]*disabled', form.as_div())


@pytest.mark.parametrize("stored", [None, {"parameter_key": "X-Old"}])
def test_bearer_parameter_key_is_fixed_whatever_is_posted_or_stored(stored):
    form = bind("bearer", parameter_key="X-Evil", stored_config=stored)
    assert_valid(form)
    assert form.config()["parameter_key"] == "Authorization"
    assert 'value="Authorization"' in form.as_div() and "X-Evil" not in form.as_div()


@pytest.mark.parametrize("field, value, ok", [
    ("location", "query", False), ("location", "", False),
    ("token_prefix", "", True), ("token_prefix", "Token", True), ("token_prefix", "P" * 50, True),
    ("token_prefix", "P" * 51, False), ("token_prefix", "Bear er", False), ("token_prefix", "Bearér", False),
])
def test_bearer_location_and_prefix(field, value, ok):
    accepted_or_refused(bind("bearer", **{field: value}), field, ok)


# AWS -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("given, stored", [("s3", "s3"), ("S3", "s3"), ("dynamodb", "dynamodb"), ("sts", "sts"),
                                           ("execute-api", "execute-api"), (" lambda ", "lambda")])
def test_aws_known_services(given, stored):
    form = bind("aws_sigv4", service=given)
    assert_valid(form)
    assert form.config()["service"] == stored


@pytest.mark.parametrize("typo, suggestion", [("s4", "s3"), ("dynamdb", "dynamodb"), ("lamda", "lambda"),
                                              ("execute_api", "execute-api"), ("not-a-service-at-all", None)])
def test_aws_unknown_service_refused_with_near_matches(typo, suggestion):
    form = bind("aws_sigv4", service=typo)
    assert_refused(form, "service")
    message = form.errors["service"][0]
    assert f"“{typo}”" in message
    assert (f"Did you mean {suggestion}" in message) if suggestion else ("Did you mean" not in message)


@pytest.mark.parametrize("region, ok", [
    ("us-east-1", True), ("eu-west-2", True), ("us-gov-west-1", True), ("cn-north-1", True),
    ("ap-southeast-3", True), ("US-EAST-1", True), ("useast1", False), ("us-east", False),
    ("moon-base-1x", False), ("us-east-1a", False), ("us_east_1", False), ("us east 1", False),
    ("u-east-1", False), ("", False),
    ("us-" + "a" * 27 + "-1", True), ("us-" + "a" * 28 + "-1", False),  # 32 and 33 characters
])
def test_aws_region_format(region, ok):
    form = bind("aws_sigv4", region=region)
    accepted_or_refused(form, "region", ok)
    if ok:
        assert form.config()["region"] == region.lower()  # lower-casing a region is harmless
