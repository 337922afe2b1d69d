"""{{ field|plain_field }} gives crispy-forms' Bootstrap 5 markup (the pages look and read the same),
unbound, bound and refused, for every form field it renders itself; other widgets go to crispy. The
widget inside, drawn in Python (widget_html), is the very string Django's widget templates give."""

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from auth_types import registry
from builder.forms import ApiSettingsForm, ConnectorCreateForm, ScopeForm
from builder.models import Connector
from connections.forms import ConnectionNameForm, ConsoleForm
from connectors_site.templatetags.plain_fields import plain_field, widget_html

from tests.examples import examples


def normalized(html):
    """The markup without the layout whitespace crispy's templates leave between tags."""
    html = re.sub(r"\s+", " ", str(html))
    return re.sub(r"\s*([<>])\s*", r"\1", html).strip()


def same_markup(make_form):
    """Render every field of two equal forms, one by crispy and one plainly, and compare them; and the
    widgets alone, drawn in Python and by Django's templates, byte for byte."""
    crispy_form, plain_form = make_form(), make_form()
    for name in crispy_form.fields:
        assert normalized(plain_field(plain_form[name])) == normalized(as_crispy_field(crispy_form[name])), name
    drawn_form, django_form = make_form(), make_form()
    for name in drawn_form.fields:
        assert widget_html(drawn_form[name]) == str(django_form[name]), name


CONSOLE_POSTS = [
    None,
    {"method": "GET", "url": "", "body_type": "none"},
    {"method": "BREW", "url": "a b", "params": "no pair", "headers": "Bad", "body_type": "json", "body": "{"},
    {"method": "POST", "url": "https://api.example.com/v1/items?a=<b>", "params": "q=\"x\"", "headers": "A: b",
     "body_type": "json", "body": '{"k": "<v>"}'},
]


@pytest.mark.parametrize("data", CONSOLE_POSTS)
def test_console_form_markup_is_crispys(data):
    def make():
        form = ConsoleForm(data)
        if data is not None:
            form.is_valid()
        return form

    same_markup(make)


@pytest.mark.parametrize("key", sorted(examples()))
def test_every_auth_types_config_fields_are_crispys(key):
    kind, stored = registry.get(key), examples()[key]
    same_markup(lambda: kind.config_form(stored_config=stored.config, stored_secrets=stored.credentials, prefix=key))
    refused = {f"{key}-{name}": "not a valid value <x>" for name in kind.config_form.base_fields}
    same_markup(lambda: _checked(kind.config_form(refused, {}, prefix=key)))


@pytest.mark.django_db
def test_builder_and_connection_forms_are_crispys():
    connector = Connector(name="Shop", link_name="shop", base_url="https://api.example.com", test_url="/me")
    same_markup(lambda: ApiSettingsForm(instance=connector))
    same_markup(lambda: _checked(ApiSettingsForm({"base_url": "ftp://x", "test_url": "a b", "expiry_statuses": "x"},
                                                 instance=connector)))
    same_markup(lambda: _checked(ConnectorCreateForm({"name": "", "description": "<b>"})))
    same_markup(lambda: _checked(ConnectionNameForm({"name": ""})))
    same_markup(lambda: _checked(ScopeForm({"name": "", "value": "a b"}, connector=connector)))


def _checked(form):
    form.is_valid()
    return form


@pytest.mark.parametrize("refused", [False, True])
def test_api_key_parameter_rows_are_crispys(refused):
    """The rows of API key's parameters, whose help is shown once above them (help_once)."""
    from connectors_site.templatetags.form_fields import help_once

    kind, stored = registry.get("api_key"), examples()["api_key"]

    def make():
        if not refused:
            return kind.config_form(stored_config=stored.config, prefix="api_key")
        return _checked(kind.config_form({"api_key-parameters-TOTAL_FORMS": "1", "api_key-parameters-INITIAL_FORMS": "0",
                                          "api_key-parameters-0-name": "", "api_key-parameters-0-key": "a b"},
                                         {}, prefix="api_key"))

    crispy_form, plain_form = make(), make()
    rows = list(zip(crispy_form.parameters, plain_form.parameters))
    assert rows
    for crispy_row, plain_row in rows:
        for name in crispy_row.fields:
            if name == "DELETE":
                continue
            expected = as_crispy_field(help_once(crispy_row[name], "shared-help"))
            assert normalized(plain_field(help_once(plain_row[name], "shared-help"))) == normalized(expected), name


@pytest.mark.parametrize("key", sorted(examples()))
def test_every_auth_types_credential_fields_are_crispys(key):
    """What Add Connection and Edit values show the end user (types whose values the user types in)."""
    kind, stored = registry.get(key), examples()[key]
    form_class = kind.credential_form(stored.config)
    if form_class is None:
        pytest.skip("the provider authorizes these connections: nothing to type")
    same_markup(lambda: form_class(config=stored.config, prefix="cred"))
    same_markup(lambda: form_class(config=stored.config, stored_secrets=stored.credentials, prefix="cred"))
    refused = {f"cred-{name}": "" for name in form_class.base_fields}
    same_markup(lambda: _checked(form_class(refused, config=stored.config, prefix="cred")))


def test_connection_variables_fields_are_crispys():
    from connections.forms import VariablesForm

    connector = Connector(variables=[
        {"name": "shop", "label": "Shop", "kind": "dns_label", "help": "Your shop's name"},
        {"name": "region", "label": "Region", "kind": "choice", "choices": ["eu", "us"]}])
    assert len(VariablesForm(connector=connector).fields) == 2
    same_markup(lambda: VariablesForm(connector=connector))
    same_markup(lambda: _checked(VariablesForm({"var-shop": "a b", "var-region": "mars"}, connector=connector)))


class Widgets(forms.Form):
    """Widgets and values the project's forms do not have (yet): drawn the same, or by the templates."""

    grouped = forms.ChoiceField(required=False, disabled=True, choices=[
        ("Group <1>", [("a", "A & a"), ("b", mark_safe("<i>B</i>"))]), ("c", "C"), ("", "None yet"),
        (gettext_lazy("Lazy <group>"), [("d", gettext_lazy("Lazy <label> & more"))])])
    numbered = forms.ChoiceField(choices=[(1, 1), (2, 2)])  # numbers are localized: the templates draw them
    email = forms.EmailField(help_text="Where <we> write", widget=forms.EmailInput(
        attrs={"autofocus": True, "spellcheck": False, "data-n": 3, "data-none": None, "title": mark_safe("&amp;")}))
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    number = forms.IntegerField(min_value=1)
    url = forms.URLField(assume_scheme="https")
    text = forms.CharField(required=False, widget=forms.Textarea)
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    check = forms.BooleanField(required=False)
    several = forms.MultipleChoiceField(required=False, choices=[("x", "X"), ("y", "Y")])
    when = forms.DateField(required=False, localize=True)


WIDGET_POSTS = [
    None,
    {"grouped": "b", "numbered": "2", "email": 'a"b@<x>', "password": "p'w<", "number": "0", "url": "x y",
     "text": "<script>\n</textarea>", "hidden": "h&", "check": "on", "several": ["x", "y"], "when": "2026-01-02"},
    {"numbered": "9", "email": "", "number": "x", "text": ""},
]


@pytest.mark.parametrize("data", WIDGET_POSTS)
def test_widgets_are_djangos(data):
    def make():
        form = Widgets(data, initial={"grouped": "a", "text": mark_safe("<b>kept</b>")})
        if data is not None:
            form.is_valid()
        return form

    same_markup(make)


def test_the_common_widgets_need_no_template(monkeypatch):
    """Text inputs, text areas and selects (grouped, lazy labels) are drawn in Python: no template rendered."""
    from django.forms.renderers import DjangoTemplates

    def refuse(self, template_name, context, request=None):
        raise AssertionError(f"{template_name} rendered")

    drawn = [ConsoleForm()[name] for name in ConsoleForm.base_fields]
    drawn += [Widgets(WIDGET_POSTS[1])[name] for name in ("grouped", "email", "password", "number", "url", "text")]
    monkeypatch.setattr(DjangoTemplates, "render", refuse)
    for field in drawn:
        assert widget_html(field).startswith("<"), field.name
