"""The registry, the contract every registered auth type keeps, and the layering of auth_types/."""

import ast
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.loader import render_to_string

import auth_types
from auth_types import registry
from auth_types.base import AuthType, ConfigForm
from auth_types.basic import Basic
from auth_types.bearer import BearerToken

PACKAGE = Path(auth_types.__file__).parent
FORBIDDEN = ("builder", "connections")
HTTPS = "https://api.example.com"
# Stored (config, secrets) as the builder saves them, one valid configuration per type.
STORED = {
    "basic": ({"username_name": "Username", "username_key": "username", "password_name": "Password",
               "password_key": "password"}, {}),
    "api_key": ({"parameters": [{"name": "API Key", "key": "api_key", "location": "query"},
                                {"name": "Account", "key": "X-Account", "location": "header"}]}, {}),
    "oauth1": ({"consumer_key": "ck", "request_token_url": f"{HTTPS}/request", "authorization_url": f"{HTTPS}/auth",
                "token_url": f"{HTTPS}/token", "revoke_url": "", "signature_method": "HMAC-SHA1"},
               {"consumer_secret": "consumer-secret-canary"}),
    "oauth2": ({"grant_type": "authorization_code", "client_id": "cid", "client_auth": "client_secret_post",
                "authorization_url": f"{HTTPS}/auth", "token_url": f"{HTTPS}/token", "revoke_url": "",
                "refresh_url": "", "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": True},
               {"client_secret": "client-secret-canary"}),
    "bearer": ({"location": "header", "parameter_name": "Bearer Token", "parameter_key": "Authorization",
                "token_prefix": "Bearer"}, {}),
    "aws_sigv4": ({"service": "execute-api", "region": "eu-west-2"}, {}),
}
SECRET_FIELDS = [("oauth1", "consumer_secret"), ("oauth2", "client_secret")]


# The registry --------------------------------------------------------------------------------

def test_registry_holds_the_six_types_in_order():
    assert registry.choices() == [("basic", "Basic"), ("api_key", "API Key"), ("oauth1", "OAuth1"),
                                  ("oauth2", "OAuth2"), ("bearer", "Bearer Token"), ("aws_sigv4", "AWS")]
    assert [auth_type.key for auth_type in registry.all_types()] == [key for key, _ in registry.choices()]


@pytest.mark.parametrize("key", ["", "BASIC", "digest", "basic ", None, 1, ("basic",), ["basic"], {}])
def test_get_unknown_key_raises_unknown_auth_type(key):
    with pytest.raises(registry.UnknownAuthType) as raised:
        registry.get(key)
    assert isinstance(raised.value, LookupError)


def test_all_types_is_a_copy():
    registry.all_types().clear()
    assert len(registry.all_types()) == 6


def named(key, name):
    return type(f"Type_{key or 'none'}_{name or 'none'}", (AuthType,), {"key": key, "name": name})


@pytest.mark.parametrize("classes, message", [
    ((Basic, named("basic", "Another Basic")), "Two auth types use the key 'basic'."),
    ((named("digest", "Digest"), named("digest", "Digest")), "Two auth types use the key 'digest'."),
    ((Basic, named("digest", "")), "needs a key and a name"),
    ((named("", "Digest"),), "needs a key and a name"),
])
def test_registration_refuses_duplicate_keys_and_missing_names(classes, message):
    with pytest.raises(TypeError, match=message):
        registry._build(classes)


def test_registration_of_distinct_types_succeeds():
    built = registry._build((Basic, BearerToken, named("digest", "Digest")))
    assert list(built) == ["basic", "bearer", "digest"]
    assert all(isinstance(auth_type, AuthType) for auth_type in built.values())


# problems() and summary() of a stored configuration ------------------------------------------

def test_every_registered_type_has_a_stored_example():
    assert set(STORED) == {auth_type.key for auth_type in registry.all_types()}


@pytest.mark.parametrize("key", list(STORED))
def test_problems_of_a_valid_stored_config_are_none(key):
    assert registry.get(key).problems(*STORED[key]) == []


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
    config, secrets = STORED[key]
    config = {**config, "token_url": "http://api.example.com/token"}
    assert registry.get(key).problems(config, secrets) == []
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = False
    assert registry.get(key).problems(config, secrets) == ["Token URL: Use an https:// URL."]


@pytest.mark.parametrize("key, field", SECRET_FIELDS)
def test_problems_name_a_missing_or_bad_secret_without_showing_it(key, field):
    config, _ = STORED[key]
    label = registry.get(key).config_form.base_fields[field].label
    assert registry.get(key).problems(config, {}) == [f"{label}: This field is required."]
    problems = registry.get(key).problems(config, {field: "x" * 1001 + "-canary"})
    assert problems and not any("canary" in problem for problem in problems)


@pytest.mark.parametrize("key", list(STORED))
def test_summary_describes_the_config_and_masks_secrets(key):
    config, secrets = STORED[key]
    summary = registry.get(key).summary(config, secrets)
    assert summary and all(isinstance(label, str) and label for label, _ in summary)
    for field, value in secrets.items():
        assert value not in repr(summary)
        assert (registry.get(key).config_form.base_fields[field].label, "•••••••• (set)") in summary
    assert ("(not set)" in repr(registry.get(key).summary(config, {}))) is bool(secrets)


def test_summary_shows_choices_by_their_labels():
    summary = dict(registry.get("oauth2").summary(*STORED["oauth2"]))
    assert summary["Grant Type"] == "Authorization Code" and summary["Use PKCE (S256)"] == "Yes"
    assert dict(registry.get("api_key").summary(*STORED["api_key"])) == {
        "API Key": "api_key in Query String", "Account": "X-Account in Header"}


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

    def test_summary_of_an_empty_config(self, auth_type):
        assert all(isinstance(label, str) for label, _ in auth_type.summary({}, {}))


@pytest.mark.parametrize("key", ["basic", "bearer"])
def test_prefilled_forms_validate_as_shown(key):
    auth_type, parser = registry.get(key), PostedFields()
    parser.feed(rendered(auth_type, auth_type.config_form(prefix=key)))
    form = auth_type.config_form(parser.data, prefix=key)
    assert form.is_valid(), form.error_list()
