"""The registry, the contract every registered auth type keeps, and the layering of auth_types/."""

import ast
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.loader import render_to_string

import auth_types
from auth_types import registry
from auth_types.base import DIRECT, FORM, REDIRECT, AuthType, ConfigForm
from auth_types.basic import Basic
from auth_types.bearer import BearerToken
from auth_types.checks import check_auth_types, contract_problems, template_problems
from tests.examples import example, keys, secret_fields_in_use

PACKAGE = Path(auth_types.__file__).parent
FORBIDDEN = ("builder", "connections")
# A key no type is ever registered under, and classes that keep the contract for the registry tests.
UNKNOWN = "no_such_type"


# The registry --------------------------------------------------------------------------------

def test_choices_follow_the_registered_order():
    assert [auth_type.key for auth_type in registry.all_types()] == [key for key, _ in registry.choices()]
    assert registry.choices() == [(auth_type.key, auth_type.name) for auth_type in registry.all_types()]


@pytest.mark.parametrize("key", ["", "BASIC", UNKNOWN, "basic ", None, 1, ("basic",), ["basic"], {}])
def test_get_unknown_key_raises_unknown_auth_type(key):
    with pytest.raises(registry.UnknownAuthType) as raised:
        registry.get(key)
    assert isinstance(raised.value, LookupError)


def test_all_types_is_a_copy():
    before = registry.all_types()
    registry.all_types().clear()
    assert registry.all_types() == before and before


def named(key, name, **attributes):
    """Return a FORM type keeping the contract, under key and name."""
    hooks = {"auth": lambda self, config, credentials, client=None: None,
             "credential_form": lambda self, config: None}
    return type(f"Type_{key or 'none'}_{name or 'none'}", (AuthType,), {"key": key, "name": name, **hooks,
                                                                        **attributes})


@pytest.mark.parametrize("classes, message", [
    ((Basic, named("basic", "Another Basic")), "Two auth types use the key 'basic'."),
    ((named("zz_one", "One"), named("zz_one", "One")), "Two auth types use the key 'zz_one'."),
    ((Basic, named("zz_one", "")), "needs a key and a name"),
    ((named("", "One"),), "needs a key and a name"),
    ((named("zz one", "One"),), "must be an identifier"),
])
def test_registration_refuses_duplicate_keys_and_missing_names(classes, message):
    with pytest.raises(TypeError, match=message):
        registry._build(classes)


def test_registration_of_distinct_types_succeeds():
    built = registry._build((Basic, BearerToken, named("zz_one", "One")))
    assert list(built) == ["basic", "bearer", "zz_one"]
    assert all(isinstance(auth_type, AuthType) for auth_type in built.values())


# The contract is code: a type lacking a hook its grant kinds need does not register ---------

def bare(**attributes):
    return type("Bare", (AuthType,), {"key": "zz_bare", "name": "Bare", **attributes})


def hook(*args, **kwargs):
    return None


@pytest.mark.parametrize("attributes, missing", [
    ({}, ["auth", "credential_form"]),
    ({"auth": hook}, ["credential_form"]),
    ({"auth": hook, "grant_kinds": (REDIRECT,), "uses_callback": True}, ["begin", "callback_state", "complete"]),
    ({"auth": hook, "grant_kinds": (DIRECT,)}, ["fetch_token"]),
    ({"auth": hook, "credential_form": hook, "can_refresh": hook}, ["refresh"]),
])
def test_a_type_missing_a_hook_its_grant_kinds_need_is_refused(attributes, missing):
    problems = contract_problems(bare(**attributes))
    assert [problem.split(" must define ")[1].split("()")[0] for problem in problems] == missing
    with pytest.raises(TypeError, match="must define"):
        registry._build((bare(**attributes),))


@pytest.mark.parametrize("attributes, message", [
    ({"grant_kinds": ()}, "grant_kinds must name one or more"),
    ({"grant_kinds": ("oauth",)}, "grant_kinds must name one or more"),
    ({"grant_kinds": (REDIRECT,), "begin": hook, "callback_state": hook, "complete": hook},
     "must set uses_callback"),
    ({"grant_kinds": (FORM, DIRECT), "credential_form": hook, "fetch_token": hook}, "must define grant_kind(config)"),
    ({"credential_form": hook, "config_form": object}, "must be a ConfigForm subclass"),
    ({"credential_form": hook, "config_form": type("F", (ConfigForm,), {"secret_fields": ("nope",)})},
     "secret field it does not have: 'nope'"),
])
def test_a_type_breaking_the_contract_otherwise_is_refused(attributes, message):
    problems = contract_problems(bare(auth=hook, **attributes))
    assert any(message in problem for problem in problems), problems


def test_every_registered_type_keeps_the_contract_and_has_its_templates():
    assert check_auth_types() == []


def test_the_system_check_reports_a_missing_template(monkeypatch):
    broken = named("zz_broken", "Broken", config_template="auth_types/zz_missing.html")()
    monkeypatch.setattr(registry, "_TYPES", {**registry._TYPES, "zz_broken": broken})
    [error] = check_auth_types()
    assert error.id == "auth_types.E001" and "'auth_types/zz_missing.html', which does not exist" in error.msg
    assert template_problems(broken) == [error.msg]


def test_the_check_runs_with_djangos_system_checks(monkeypatch):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    broken = named("zz_broken", "Broken", config_template="auth_types/zz_missing.html")()
    monkeypatch.setattr(registry, "_TYPES", {**registry._TYPES, "zz_broken": broken})
    with pytest.raises(SystemCheckError, match="zz_missing.html"):
        call_command("check")


# problems() and summary() of a stored configuration: every type's example ------------------

def secret_fields():
    return secret_fields_in_use()


@pytest.mark.parametrize("key", keys())
def test_problems_of_a_valid_stored_config_are_none(key):
    assert registry.get(key).problems(example(key).config, example(key).client) == []


@pytest.mark.parametrize("config, problems", [
    ({"parameters": [{"name": "A", "key": "k", "location": "query"}, {"name": "B", "key": "k", "location": "query"}]},
     ["Parameter 2, Parameter Key: “k” is already used by another parameter in the same location."]),
    ({"parameters": [{"name": "A", "key": "k", "location": "cookie"}]},
     ["Parameter 1, Parameter Location: Select a valid choice. cookie is not one of the available choices."]),
    ({"parameters": []}, ["Add at least one parameter."]),
    ({"parameters": "junk"}, ["Add at least one parameter."]),
    ({"parameters": ["junk"]}, ["Parameter 1, Parameter Name: This field is required.",
                                "Parameter 1, Parameter Key: This field is required.",
                                "Parameter 1, Parameter Location: This field is required."]),
])
def test_problems_of_stored_api_key_rows(config, problems):
    assert registry.get("api_key").problems(config, {}) == problems


@pytest.mark.parametrize("key", ["oauth1", "oauth2"])
def test_problems_when_insecure_http_is_turned_off_after_saving(key, settings):
    config = {**example(key).config, "token_url": "http://api.example.com/token"}
    assert registry.get(key).problems(config, example(key).client) == []
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False
    assert registry.get(key).problems(config, example(key).client) == ["Token URL: Use an https:// URL."]


@pytest.mark.parametrize("key, field", secret_fields())
def test_problems_name_a_missing_or_bad_secret_without_showing_it(key, field):
    config = example(key).config
    form_class = registry.get(key).config_form
    label = form_class.base_fields[field].label
    assert registry.get(key).problems(config, {}) == [f"{label}: This field is required."]
    too_long = (form_class.base_fields[field].max_length or 4000) + 1
    problems = registry.get(key).problems(config, {field: "x" * too_long + "-canary"})
    assert problems and not any("canary" in problem for problem in problems)


@pytest.mark.parametrize("key", keys())
def test_summary_describes_the_config_and_masks_secrets(key):
    config, secrets = example(key).config, example(key).client
    summary = registry.get(key).summary(config, secrets)
    assert summary and all(isinstance(label, str) and label for label, _ in summary)
    for field, value in secrets.items():
        assert value not in repr(summary)
        assert (registry.get(key).config_form.base_fields[field].label, "•••••••• (set)") in summary
    assert ("(not set)" in repr(registry.get(key).summary(config, {}))) is bool(secrets)


def test_summary_shows_choices_by_their_labels():
    summary = dict(registry.get("oauth2").summary(example("oauth2").config, example("oauth2").client))
    assert summary["Grant Type"] == "Authorization Code" and summary["Use PKCE (S256)"] == "Yes"
    rows = {"parameters": [{"name": "API Key", "key": "api_key", "location": "query"},
                           {"name": "Account", "key": "X-Account", "location": "header"}]}
    assert dict(registry.get("api_key").summary(rows, {})) == {
        "API Key": "api_key in Query String", "Account": "X-Account in Header"}


@pytest.mark.parametrize("key, text", [("oauth2", "Client ID and Client Secret"),
                                       ("oauth1", "Consumer Key and Consumer Secret"), ("basic", "")])
def test_installation_text_names_what_an_installation_enters_itself(key, text):
    assert registry.get(key).installation_text == text


# auth_types/ is the bottom layer -------------------------------------------------------------

def imported_modules(tree):
    """Yield each module an AST imports, by absolute name where it can tell (auth_types is top-level)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level >= 2:  # "from .. import builder" climbs out of auth_types
                yield from ([node.module] if node.module else [alias.name for alias in node.names])
            elif node.level == 0:
                yield node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            yield str(node.args[0].value)


def test_the_import_check_sees_every_form_of_import():
    source = ("import builder.models\nfrom connections import services\nfrom .. import builder\n"
              "from ..connections.models import Connection\nimportlib.import_module('builder.views')\n")
    assert [name.split(".")[0] for name in imported_modules(ast.parse(source))] == [
        "builder", "connections", "builder", "connections", "builder"]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: path.name)
def test_no_auth_types_module_imports_builder_or_connections(path):
    modules = list(imported_modules(ast.parse(path.read_text(), filename=str(path))))
    assert not [name for name in modules if name.split(".")[0] in FORBIDDEN]


# The contract, run against every registered type ---------------------------------------------

class PostedFields(HTMLParser):
    """Collect what a browser would post from a rendered form: enabled fields, checked boxes."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._in_template = {}, None, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self._in_template += 1
        if self._in_template or "disabled" in attrs or not (attrs.get("name") or tag == "option"):
            return
        if tag == "input" and attrs.get("type") not in ("checkbox", "radio") or tag == "input" and "checked" in attrs:
            self.data[attrs["name"]] = attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and ("selected" in attrs or self._select not in self.data):
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self.data[attrs["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template -= 1
        elif tag == "select":
            self._select = None


def rendered(auth_type, form):
    return render_to_string(auth_type.config_template, {"form": form})


@pytest.mark.parametrize("auth_type", registry.all_types(), ids=lambda auth_type: auth_type.key)
class TestAuthTypeContract:
    def test_states_key_name_and_description(self, auth_type):
        assert auth_type.key.isidentifier() and auth_type.name.strip() and auth_type.description.strip()
        assert registry.get(auth_type.key) is auth_type
        assert isinstance(auth_type.uses_scopes, bool) and isinstance(auth_type.uses_callback, bool)

    def test_config_form_renders_unbound_with_its_key_as_prefix(self, auth_type):
        form = auth_type.config_form(prefix=auth_type.key)
        assert isinstance(form, ConfigForm)
        parser = PostedFields()
        parser.feed(rendered(auth_type, form))
        assert parser.data and all(name.startswith(f"{auth_type.key}-") for name in parser.data)

    def test_config_form_renders_bound_to_garbage(self, auth_type):
        form = auth_type.config_form({f"{auth_type.key}-{name}": "\x00<b>" for name in ("x", "region", "pkce")},
                                     prefix=auth_type.key)
        assert not form.is_valid() and form.error_list()
        assert "<b>" not in rendered(auth_type, form)

    def test_defaults_validate_or_give_field_errors(self, auth_type):
        parser = PostedFields()
        parser.feed(rendered(auth_type, auth_type.config_form(prefix=auth_type.key)))
        form = auth_type.config_form(parser.data, prefix=auth_type.key)
        if form.is_valid():
            assert auth_type.problems(form.config(), form.secrets()) == []
        else:
            assert not form.non_field_errors()
            assert form.error_list() and all(isinstance(message, str) for message in form.error_list())

    @pytest.mark.parametrize("config, secrets", [({}, {}), (None, None), ({"unknown": 1}, {"unknown": "x"})])
    def test_problems_of_an_empty_config_are_messages(self, auth_type, config, secrets):
        problems = auth_type.problems(config, secrets)
        assert problems and all(isinstance(problem, str) and problem for problem in problems)

    def test_its_example_round_trips_through_the_rendered_form(self, auth_type):
        stored = example(auth_type.key)
        kwargs = {"prefix": auth_type.key, "stored_config": stored.config, "stored_secrets": stored.client}
        parser = PostedFields()
        parser.feed(rendered(auth_type, auth_type.config_form(**kwargs)))
        form = auth_type.config_form(parser.data, **kwargs)
        assert form.is_valid(), form.error_list()
        assert (form.config(), form.secrets()) == (stored.config, stored.client)

    def test_summary_of_an_empty_config(self, auth_type):
        assert all(isinstance(label, str) for label, _ in auth_type.summary({}, {}))


@pytest.mark.parametrize("key", ["basic", "bearer"])
def test_prefilled_forms_validate_as_shown(key):
    auth_type, parser = registry.get(key), PostedFields()
    parser.feed(rendered(auth_type, auth_type.config_form(prefix=key)))
    form = auth_type.config_form(parser.data, prefix=key)
    assert form.is_valid(), form.error_list()
