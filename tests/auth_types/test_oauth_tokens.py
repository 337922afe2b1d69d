"""Token responses as real providers send them, one quirk at a time.

The parser's input is a response; each test builds the one a provider sends (status,
Content-Type, body) as requests would hand it over. The same answers from a real server
(DOT's fault endpoints) are read in test_oauth2_protocol.py.
"""

import json
import time

import pytest
import requests

from auth_types.base import GrantInvalid, ProviderUnavailable
from auth_types.oauth_tokens import MAX_EXPIRES_IN, decode_body, origin, safe_text, token_credentials

URL = "https://auth.example.com/oauth/token?api_key=query-secret-canary"
NOW = 1_700_000_000.0
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def answer(body, *, status=200, content_type=JSON):
    """Return the response a provider sends: a dict is JSON-encoded, a str or bytes sent as is."""
    response = requests.Response()
    response.status_code = status
    response.url = URL
    if content_type:
        response.headers["Content-Type"] = content_type
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    response._content = body.encode() if isinstance(body, str) else body
    return response


def read(body, *, requested_scope="read write", expiry_seconds=3600, hidden=(), **kwargs):
    return token_credentials(answer(body, **kwargs), url=URL, requested_scope=requested_scope,
                             expiry_seconds=expiry_seconds, hidden=hidden, now=NOW)


TOKEN = {"access_token": "at-123", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-456",
         "scope": "read write"}


def test_a_standard_json_token_gives_every_credential():
    assert read(TOKEN) == {"access_token": "at-123", "refresh_token": "rt-456", "token_type": "Bearer",
                           "expires_at": NOW + 3600, "scope": "read write", "requested_scope": "read write"}


# --- how the body is encoded -----------------------------------------------------------------

def test_json_with_a_charset_parameter():
    assert read(TOKEN, content_type="application/json; charset=utf-8")["access_token"] == "at-123"


def test_form_encoded_body_as_github_sends_it():
    credentials = read("access_token=gho_abc&scope=repo%2Cgist&token_type=bearer", content_type=FORM)

    assert (credentials["access_token"], credentials["scope"], credentials["token_type"]) == \
           ("gho_abc", "repo,gist", "bearer")


def test_form_encoded_body_labelled_text_plain_is_still_read():
    assert read("access_token=at-9&expires_in=60", content_type="text/plain")["expires_at"] == NOW + 60


def test_json_body_labelled_form_encoded_is_still_read():
    assert read(TOKEN, content_type=FORM)["access_token"] == "at-123"


def test_body_without_content_type_is_read_either_way():
    assert read(TOKEN, content_type=None)["access_token"] == "at-123"
    assert read("access_token=at-9", content_type=None)["access_token"] == "at-9"


def test_html_page_is_no_form_even_with_an_equals_sign():
    page = '<html><body><a href="/x?access_token=stolen">Service unavailable</a></body></html>'

    assert decode_body(answer(page, content_type="text/html")) is None
    with pytest.raises(ProviderUnavailable, match="without an access token"):
        read(page, content_type="text/html")


# --- expires_in -------------------------------------------------------------------------------

@pytest.mark.parametrize("expires_in, lifetime", [
    (7200, 7200), ("7200", 7200), (59.5, 59.5), ("59.5", 59.5),
], ids=["number", "numeric-string", "float", "float-string"])
def test_expires_in_as_number_or_numeric_string(expires_in, lifetime):
    assert read({**TOKEN, "expires_in": expires_in})["expires_at"] == NOW + lifetime


def test_missing_expires_in_uses_the_connectors_expiry_time():
    token = {key: value for key, value in TOKEN.items() if key != "expires_in"}

    assert read(token, expiry_seconds=1234)["expires_at"] == NOW + 1234


@pytest.mark.parametrize("expires_in", [None, "", "soon", 0, -5, "nan", "inf", True, [3600]])
def test_meaningless_expires_in_uses_the_connectors_expiry_time(expires_in):
    assert read({**TOKEN, "expires_in": expires_in}, expiry_seconds=1234)["expires_at"] == NOW + 1234


def test_absurdly_long_expires_in_is_capped():
    assert read({**TOKEN, "expires_in": 10 ** 30})["expires_at"] == NOW + MAX_EXPIRES_IN


def test_expires_at_counts_from_now_by_default():
    before = time.time()
    credentials = token_credentials(answer(TOKEN), url=URL, requested_scope="", expiry_seconds=1)

    assert before + 3600 <= credentials["expires_at"] <= time.time() + 3600


# --- token_type -------------------------------------------------------------------------------

def test_missing_token_type_is_a_bearer_token():
    token = {key: value for key, value in TOKEN.items() if key != "token_type"}

    assert read(token)["token_type"] == "Bearer"


@pytest.mark.parametrize("token_type", ["bearer", "BEARER", "bot", "user"])
def test_other_spellings_and_slack_style_token_types_are_accepted(token_type):
    assert read({**TOKEN, "token_type": token_type})["token_type"] == token_type


@pytest.mark.parametrize("token_type", ["mac", "MAC", "DPoP", "pop", "N_A"])
def test_token_types_that_cannot_be_sent_as_bearer_are_refused(token_type):
    with pytest.raises(ProviderUnavailable, match="only bearer tokens can be used") as caught:
        read({**TOKEN, "token_type": token_type})

    assert "at-123" not in str(caught.value)


# --- scope ------------------------------------------------------------------------------------

def test_granted_scope_that_differs_from_the_requested_one_is_stored():
    credentials = read({**TOKEN, "scope": "read"}, requested_scope="read write")

    assert (credentials["scope"], credentials["requested_scope"]) == ("read", "read write")


def test_no_scope_in_the_answer_means_the_requested_scope_was_granted():
    token = {key: value for key, value in TOKEN.items() if key != "scope"}

    assert read(token, requested_scope="read,write")["scope"] == "read,write"


def test_scope_sent_as_a_list_is_joined_with_spaces():
    assert read({**TOKEN, "scope": ["read", "write"]})["scope"] == "read write"


def test_empty_granted_scope_is_stored_as_empty():
    assert read({**TOKEN, "scope": ""}, requested_scope="read")["scope"] == ""


# --- refresh_token and what is not stored -----------------------------------------------------

@pytest.mark.parametrize("refresh_token", [None, "", 42])
def test_null_or_empty_refresh_token_is_no_refresh_token(refresh_token):
    assert "refresh_token" not in read({**TOKEN, "refresh_token": refresh_token})


def test_only_the_credentials_are_kept_not_the_rest_of_the_answer():
    credentials = read({**TOKEN, "id_token": "eyJ.jwt.sig", "user": {"id": 1}})

    assert set(credentials) == {"access_token", "refresh_token", "token_type", "expires_at", "scope",
                                "requested_scope"}


# --- no token in a 200 ------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"token_type": "Bearer"}, {"access_token": ""}, {"access_token": 123}, {"access_token": None}, [TOKEN],
    "", "null", "<html><body>Service temporarily unavailable {{not json", b"\xff\xfe\x00garbage",
], ids=["missing", "empty", "number", "null", "json-array", "empty-body", "json-null", "html", "binary"])
def test_a_200_without_an_access_token_is_provider_unavailable(body):
    with pytest.raises(ProviderUnavailable, match="answered without an access token. Try again later."):
        read(body)


def test_nested_token_objects_are_not_unwrapped():
    with pytest.raises(ProviderUnavailable, match="without an access token"):
        read({"data": TOKEN})


# --- error answers ----------------------------------------------------------------------------

def test_invalid_grant_names_the_code_and_description():
    with pytest.raises(GrantInvalid) as caught:
        read({"error": "invalid_grant", "error_description": "Token expired."}, status=400)

    assert str(caught.value) == ("The provider no longer accepts this authorization (invalid_grant: Token expired.)."
                                 " Authorize the connection again.")


def test_invalid_client_says_the_connectors_client_secret_is_wrong():
    with pytest.raises(GrantInvalid, match="Client ID, Client Secret or Client Authentication is wrong"):
        read({"error": "invalid_client"}, status=401)


@pytest.mark.parametrize("status", [400, 401])
def test_400_or_401_without_an_error_code_is_grant_invalid(status):
    with pytest.raises(GrantInvalid, match=rf"https://auth.example.com refused the request \(HTTP {status}\)"):
        read("Bad Request", status=status, content_type="text/plain")


@pytest.mark.parametrize("code", ["invalid_request", "unauthorized_client", "invalid_scope",
                                  "unsupported_grant_type"])
def test_other_error_codes_are_grant_invalid(code):
    with pytest.raises(GrantInvalid, match=f"refused the request \\({code}\\)"):
        read({"error": code}, status=400)


def test_an_error_code_in_a_200_is_an_error_as_github_sends_it():
    body = "error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired."

    with pytest.raises(GrantInvalid, match="bad_verification_code: The code passed is incorrect or expired."):
        read(body, content_type=FORM)


def test_an_error_code_with_a_403_is_an_error_answer():
    with pytest.raises(GrantInvalid, match="invalid_grant"):
        read({"error": "invalid_grant"}, status=403)


@pytest.mark.parametrize("code", ["temporarily_unavailable", "server_error"])
def test_transient_error_codes_are_provider_unavailable(code):
    with pytest.raises(ProviderUnavailable, match=f"is unavailable \\({code}\\). Try again later."):
        read({"error": code}, status=400)


@pytest.mark.parametrize("status, words", [(500, "failed"), (502, "failed"), (503, "failed"),
                                           (429, "is limiting requests")])
def test_5xx_and_429_are_provider_unavailable_whatever_the_body(status, words):
    with pytest.raises(ProviderUnavailable, match=f"{words} \\(HTTP {status}\\). Try again later."):
        read({"error": "invalid_grant"}, status=status)


@pytest.mark.parametrize("status", [403, 404, 405, 418])
def test_other_4xx_without_an_error_code_is_provider_unavailable(status):
    with pytest.raises(ProviderUnavailable, match=f"answered HTTP {status}. Check the connector's URL"):
        read("<html>Not Found</html>", status=status, content_type="text/html")


# --- messages are safe to show ----------------------------------------------------------------

def test_messages_name_the_origin_never_the_path_or_query():
    with pytest.raises(ProviderUnavailable) as caught:
        read("", status=500)

    assert "https://auth.example.com" in str(caught.value)
    assert "query-secret-canary" not in str(caught.value) and "/oauth/token" not in str(caught.value)


def test_values_sent_are_blanked_where_the_provider_echoes_them():
    description = "Code code-canary-1 with verifier verifier-canary-2 is invalid for secret secret-canary-3."

    with pytest.raises(GrantInvalid) as caught:
        read({"error": "invalid_grant", "error_description": description}, status=400,
             hidden=["code-canary-1", "verifier-canary-2", "secret-canary-3", ""])

    message = str(caught.value)
    assert "canary" not in message
    assert "Code •••• with verifier •••• is invalid for secret ••••." in message


def test_a_long_description_is_cut_and_control_characters_removed():
    with pytest.raises(GrantInvalid) as caught:
        read({"error": "invalid_grant", "error_description": "line one\r\nline\ttwo " + "x" * 500}, status=400)

    message = str(caught.value)
    assert "invalid_grant: line one line two xxx" in message
    assert "\n" not in message and "\t" not in message and "x" * 200 not in message
    assert "x…)." in message and len(message) < 350


def test_an_error_code_that_is_not_a_string_is_no_error_code():
    with pytest.raises(GrantInvalid, match=r"refused the request \(HTTP 400\)"):
        read({"error": {"message": "nested"}}, status=400)


def test_safe_text_keeps_short_hidden_values_from_blanking_words():
    assert safe_text("an error", ["an"], limit=50) == "an error"


@pytest.mark.parametrize("url, shown", [
    ("https://auth.example.com/token?key=1", "https://auth.example.com"),
    ("http://127.0.0.1:8080/o/token/", "http://127.0.0.1:8080"),
    ("not a url", "the configured URL"),
])
def test_origin(url, shown):
    assert origin(url) == shown
