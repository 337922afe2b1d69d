"""The Security section's configuration forms of OAuth1 and OAuth2: their rules, URL fields and secrets.

Every help-page rule, accepted and refused, and what a form of each type saves. Forms are bound
as the builder binds them: prefixed with the type's key. No database.
"""

import re

import pytest
from django.template.loader import render_to_string

from auth_types import registry
from auth_types.oauth2 import MAX_EXPIRY_SECONDS
from tests.auth_types.config_form_helpers import accepted_or_refused, assert_refused, assert_valid, bind
from tests.examples import example, keys, secret_fields_in_use

URL_FIELDS = [("oauth1", name) for name in ("request_token_url", "authorization_url", "token_url", "revoke_url")] + [
    ("oauth2", name) for name in ("authorization_url", "token_url", "revoke_url", "refresh_url")]
# Every secret field of every registered type.
SECRET_FIELDS = secret_fields_in_use()


# OAuth1 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["consumer_key", "consumer_secret", "request_token_url", "authorization_url",
                                   "token_url", "signature_method"])
def test_oauth1_required_fields(field):
    assert_refused(bind("oauth1", **{field: ""}), field)


def test_oauth1_revoke_url_is_optional_and_hmac_sha1_the_default():
    assert_valid(bind("oauth1", revoke_url=None))
    assert registry.get("oauth1").config_form(prefix="oauth1")["signature_method"].value() == "HMAC-SHA1"


@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT"])
def test_oauth1_any_signature_method_with_https_urls(method):
    assert_valid(bind("oauth1", signature_method=method, revoke_url="https://api.example.com/oauth/revoke"))


@pytest.mark.parametrize("field", ["request_token_url", "authorization_url", "token_url", "revoke_url"])
def test_oauth1_plaintext_refused_when_one_url_is_http(field):
    values = {field: f"http://api.example.com/{field}"}
    assert_valid(bind("oauth1", **values))  # insecure http is allowed in tests, for HMAC
    assert_refused(bind("oauth1", signature_method="PLAINTEXT", **values), "signature_method")


def test_oauth1_unknown_signature_method_refused():
    assert_refused(bind("oauth1", signature_method="RSA-SHA1"), "signature_method")


# OAuth2 --------------------------------------------------------------------------------------

def test_oauth2_client_credentials_needs_no_authorization_url_nor_pkce():
    form = bind("oauth2", grant_type="client_credentials", authorization_url=None)
    assert_valid(form)
    assert form.config()["authorization_url"] == "" and form.config()["pkce"] is False


def test_oauth2_client_credentials_ignores_a_hidden_bad_authorization_url():
    form = bind("oauth2", grant_type="client_credentials", authorization_url="ftp://left.over/from-before")
    assert_valid(form)
    assert form.config()["authorization_url"] == ""


def test_oauth2_authorization_code_needs_an_authorization_url():
    form = bind("oauth2", authorization_url="")
    assert_refused(form, "authorization_url")
    assert "Authorization URL: The Authorization Code grant needs an Authorization URL." in form.error_list()


@pytest.mark.parametrize("field, value, ok", [
    ("grant_type", "client_credentials", True), ("grant_type", "password", False), ("grant_type", "", False),
    ("client_auth", "client_secret_post", True), ("client_auth", "client_secret_jwt", True),
    ("client_auth", "carrier_pigeon", False),
    ("client_auth", "", False), ("client_id", "", False), ("client_id", "c" * 500, True),
    ("client_id", "c" * 501, False), ("token_url", "", False),
    ("revoke_url", "https://api.example.com/revoke", True), ("refresh_url", "https://api.example.com/refresh", True),
    ("bearer_name", "Token", True), ("bearer_name", "B" * 50, True), ("bearer_name", "B" * 51, False),
    ("bearer_name", "", False), ("bearer_name", "Bear er", False), ("bearer_name", "Bearér", False),
    ("expiry_seconds", "1", True), ("expiry_seconds", str(MAX_EXPIRY_SECONDS), True),
    ("expiry_seconds", str(MAX_EXPIRY_SECONDS + 1), False), ("expiry_seconds", "0", False),
    ("expiry_seconds", "-5", False), ("expiry_seconds", "1.5", False), ("expiry_seconds", "soon", False),
    ("expiry_seconds", "", False),
])
def test_oauth2_fields(field, value, ok):
    accepted_or_refused(bind("oauth2", **{field: value}), field, ok)


def test_oauth2_defaults_bearer_3600_basic_header_and_pkce_on():
    form = registry.get("oauth2").config_form(prefix="oauth2")
    defaults = {name: form[name].value() for name in ("grant_type", "client_auth", "bearer_name",
                                                      "expiry_seconds", "pkce")}
    assert defaults == {"grant_type": "authorization_code", "client_auth": "client_secret_basic",
                        "bearer_name": "Bearer", "expiry_seconds": 3600, "pkce": True}
    assert re.search(r'<input type="checkbox" name="oauth2-pkce"[^>]* checked>', form.as_div())


def test_oauth2_pkce_can_be_turned_off_for_authorization_code():
    form = bind("oauth2", pkce=None)
    assert_valid(form)
    assert form.config()["pkce"] is False and form.config()["expiry_seconds"] == 3600


# Every URL field -----------------------------------------------------------------------------

@pytest.mark.parametrize("key, field", URL_FIELDS)
@pytest.mark.parametrize("url", ["https://api.example.com/oauth/token", "https://api.example.com:8443/t?realm=a",
                                 "HTTPS://API.EXAMPLE.COM/t", "https://127.0.0.1:8000/t", "https://[::1]/t",
                                 "https://api.example.com/" + "a" * 1976])
def test_url_fields_accept_absolute_https(key, field, url):
    assert len(url) <= 2000
    assert_valid(bind(key, **{field: url}))


@pytest.mark.parametrize("key, field", URL_FIELDS)
@pytest.mark.parametrize("url", [
    "/oauth/token", "oauth/token", "//api.example.com/t", "api.example.com/t", "https://", "https:///t",
    "ftp://api.example.com/t", "javascript:alert(1)", "mailto:me@example.com", "data:text/html,hi",
    "https://user:pass@api.example.com/t", "https://user@api.example.com/t", "https://:pw@api.example.com/t",
    "https://api.example.com/t#section", "https://api.example.com/t#", "https://api.example.com/o auth",
    "https://api example.com/t", "https://api.example.com:99999/t", "https://api.example.com:0/t",
    "https://api.example.com/\nx", "https://api.example.com/" + "a" * 1977,
])
def test_url_fields_refuse(key, field, url):
    assert_refused(bind(key, **{field: url}), field)


@pytest.mark.parametrize("key, field", URL_FIELDS)
@pytest.mark.parametrize("insecure_allowed", [True, False])
def test_url_fields_take_http_only_when_the_setting_allows(key, field, insecure_allowed, settings):
    settings.CONNECTORS_ALLOW_INSECURE_HTTP = insecure_allowed
    form = bind(key, **{field: "http://api.example.com/t"})
    accepted_or_refused(form, field, insecure_allowed)
    if not insecure_allowed:
        assert form.errors[field] == ["Use an https:// URL."]


# Secrets -------------------------------------------------------------------------------------

def input_tag(page, name):
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert len(tags) == 1, page
    return tags[0]


@pytest.mark.parametrize("key, field", SECRET_FIELDS)
def test_stored_secret_is_never_rendered_back(key, field):
    auth_type, stored = registry.get(key), "stored-secret-canary-42"
    forms = [auth_type.config_form(prefix=key, stored_config=example(key).config, stored_secrets={field: stored}),
             # a rejected edit that posted a new secret renders neither
             bind(key, stored_secrets={field: stored}, **{name: "" for name in auth_type.admin_completes},
                  **{field: "posted-canary-7"})]
    for form in forms:
        form.is_valid()
        for page in (render_to_string(auth_type.config_template, {"form": form}), form.as_div()):
            assert stored not in page and "posted-canary-7" not in page
            tag = input_tag(page, f"{key}-{field}")
            # a password input, or a file input (a key file), neither holding a value
            assert "value=" not in tag and re.search(r'type="(password|file)"', tag) and "required" not in tag


@pytest.mark.parametrize("key, field", SECRET_FIELDS)
@pytest.mark.parametrize("posted, stored, kept", [
    ("", "old-secret", "old-secret"), ("   ", "old-secret", "old-secret"), (None, "old-secret", "old-secret"),
    ("new-secret", "old-secret", "new-secret"), ("new-secret", None, "new-secret"), ("", None, None)])
def test_secret_blank_keeps_new_replaces_none_stored_requires(key, field, posted, stored, kept):
    # A secret whose form checks its content (a key file) gets its example's value as the new one.
    new = example(key).client.get(field) or "new-secret"
    posted, kept = (new if value == "new-secret" else value for value in (posted, kept))
    form = bind(key, stored_secrets={field: stored} if stored else None, **{field: posted})
    if kept is None:
        assert_refused(form, field)
        assert 'required' in input_tag(form.as_div(), f"{key}-{field}")
        return
    assert_valid(form)
    assert form.secrets() == {field: kept}
    assert field not in form.config() and kept not in str(form.config())


# What a form saves is what problems() checks later ------------------------------------------

@pytest.mark.parametrize("key", keys())
def test_what_the_form_saves_has_no_problems(key):
    form = bind(key)
    assert_valid(form)
    assert registry.get(key).problems(form.config(), form.secrets()) == []
