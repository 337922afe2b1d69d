"""The Masker hides credentials from whatever the console and invokeurl show."""

import base64
import json
import re
from urllib.parse import quote, quote_plus

import pytest

from connections.masking import MASK, Masker

SECRET = "s3cr3t/value+with spaces&more"


def test_a_literal_secret_is_masked_wherever_it_appears():
    masker = Masker(secret_values=[SECRET])
    assert masker.text(f"before {SECRET} after {SECRET}") == f"before {MASK} after {MASK}"


@pytest.mark.parametrize("encoded", [
    quote(SECRET, safe=""),
    quote_plus(SECRET),
    base64.b64encode(SECRET.encode()).decode(),
], ids=["url-encoded", "form-encoded", "base64"])
def test_the_encoded_forms_of_a_secret_are_masked(encoded):
    masker = Masker(secret_values=[SECRET])
    masked = masker.text(f'{{"url": "https://x.test/?k={encoded}"}}')
    assert encoded not in masked and MASK in masked


@pytest.mark.parametrize("secret", ['quote"and\\backslash', "w\u00f6rd-pass"])
def test_a_secret_escaped_in_json_is_masked(secret):
    masker = Masker(secret_values=[secret])
    for dumped in (json.dumps({"v": secret}), json.dumps({"v": secret}, ensure_ascii=False)):
        masked = masker.text(dumped)
        assert masked == f'{{"v": "{MASK}"}}', dumped


@pytest.mark.parametrize("echoed", [
    "s3cr3t/value+with+spaces%26more",          # werkzeug: / left as is in a query string
    "s3cr3t%2fvalue%2bwith%20spaces%26more",    # lower-case hex, space as %20
    "s3cr3t\\/value+with spaces&more",          # PHP's JSON escapes /
])
def test_any_mix_of_encodings_is_masked(echoed):
    masked = Masker(secret_values=[SECRET]).text(f"url=https://x.test/?k={echoed}&page=1")
    assert masked == f"url=https://x.test/?k={MASK}&page=1"


def test_a_non_ascii_secret_is_masked_in_its_escaped_forms():
    secret = "pässwörd-😀"
    masker = Masker(secret_values=[secret])
    escaped = json.dumps(secret)[1:-1]
    upper_hex = re.sub(r"\\u([0-9a-f]{4})", lambda match: "\\u" + match.group(1).upper(), escaped)
    assert upper_hex != escaped
    for shown in (quote(secret), quote(secret).lower(), escaped, upper_hex):
        assert masker.text(f"[{shown}]") == f"[{MASK}]", shown


def test_a_value_containing_another_is_masked_whole():
    masker = Masker(secret_values=["abcd", "abcdefgh"])
    assert masker.text("xabcdefghx") == f"x{MASK}x"


def test_very_short_values_are_not_masked_everywhere():
    # A 1-3 character value would mask unrelated text all over the page; such values are
    # still hidden where they are sent under a sensitive name (header, query).
    masker = Masker(secret_values=["ab", ""], sensitive_names=["X-Key"])
    assert masker.text("about abba") == "about abba"
    assert masker.header("X-Key", "ab") == MASK


def test_nothing_to_mask_leaves_text_alone():
    assert Masker().text("plain") == "plain"
    assert Masker(secret_values=[SECRET]).text("") == ""
    assert Masker(secret_values=[SECRET]).text(None) is None


class TestHeaders:
    @pytest.mark.parametrize("value,expected", [
        ("Bearer tok-123456", f"Bearer {MASK}"),
        ("Basic bWFyaWE6cHc=", f"Basic {MASK}"),
        ("AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=ab", f"AWS4-HMAC-SHA256 {MASK}"),
        ("tok-without-scheme", MASK),
    ])
    def test_authorization_keeps_its_scheme_word(self, value, expected):
        masker = Masker()
        assert masker.header("Authorization", value) == expected
        assert masker.header("authorization", value) == expected
        assert masker.header("Proxy-Authorization", value) == expected

    @pytest.mark.parametrize("name", ["Cookie", "Set-Cookie"])
    def test_always_sensitive_headers_are_masked_whole(self, name):
        assert Masker().header(name, "session=abc def") == MASK

    @pytest.mark.parametrize("name", ["X-Amz-Security-Token", "x-amz-security-token"])
    def test_a_type_names_its_own_credential_headers(self, name):
        from auth_types import registry

        masker = Masker(sensitive_names=registry.get("aws_sigv4").sensitive_names({}))
        assert masker.header(name, "session=abc def") == MASK
        assert masker.url("https://b.s3.amazonaws.com/k?X-Amz-Security-Token=abc") == (
            f"https://b.s3.amazonaws.com/k?X-Amz-Security-Token={MASK}")

    def test_configured_names_are_masked_whatever_their_case(self):
        masker = Masker(sensitive_names=["X-API-Key"])
        assert masker.header("x-api-key", "k 1") == MASK
        assert masker.header("X-Other", "k 1") == "k 1"

    def test_a_secret_inside_another_header_is_masked(self):
        masker = Masker(secret_values=["tok-123456"])
        assert masker.header("X-Echo", "was tok-123456!") == f"was {MASK}!"

    def test_headers_returns_pairs_in_order(self):
        masker = Masker(sensitive_names=["X-Key"])
        headers = {"Accept": "*/*", "X-Key": "abc", "Authorization": "Bearer t", "Content-Length": 3}
        assert masker.headers(headers) == [
            ("Accept", "*/*"), ("X-Key", MASK), ("Authorization", f"Bearer {MASK}"), ("Content-Length", "3")
        ]


class TestUrl:
    def test_sensitive_query_names_are_masked(self):
        masker = Masker(sensitive_names=["api_key"])
        url = masker.url("https://api.test/v1/items?page=2&API_KEY=k1&api_key=k2")
        assert url == f"https://api.test/v1/items?page=2&API_KEY={MASK}&api_key={MASK}"

    def test_a_literal_secret_anywhere_in_the_url_is_masked(self):
        masker = Masker(secret_values=[SECRET])
        url = masker.url(f"https://api.test/v1/{quote(SECRET, safe='')}?q={quote_plus(SECRET)}&page=1")
        assert "s3cr3t" not in url and url.endswith("page=1") and url.count(MASK) == 2

    def test_other_parameters_and_blank_values_are_kept(self):
        masker = Masker(sensitive_names=["key"])
        assert masker.url("https://api.test/?a=1&b=&key=x") == f"https://api.test/?a=1&b=&key={MASK}"

    def test_a_url_without_query_is_unchanged(self):
        assert Masker(sensitive_names=["key"]).url("https://api.test/v1/") == "https://api.test/v1/"


class TestCombining:
    def test_merged_hides_what_each_hides(self):
        old, new = Masker(secret_values=["old-token-1"]), Masker(secret_values=["new-token-2"], sensitive_names=["k"])
        merged = old.merged(new)
        assert merged.text("old-token-1 new-token-2") == f"{MASK} {MASK}"
        assert merged.header("K", "v") == MASK
        assert old.text("new-token-2") == "new-token-2"  # the parts are left as they were

    def test_sent_values_are_the_credentials_a_request_carried_that_it_does_not_know(self):
        import requests

        masker = Masker(secret_values=["known-token"], sensitive_names=["api_key", "X-Key"])
        sent = requests.Request("GET", "https://api.test/v1?api_key=q-value-1&page=2",
                                headers={"Authorization": "Bearer fetched-token", "X-Key": "h-value-2"}).prepare()
        assert sorted(masker.sent_values(sent)) == ["Bearer fetched-token", "fetched-token", "h-value-2", "q-value-1"]
        known = requests.Request("GET", "https://api.test/", headers={"Authorization": "known-token"}).prepare()
        assert masker.sent_values(known) == []

    def test_a_whole_authorization_header_echoed_base64_encoded_is_masked_after_the_token(self):
        masker = Masker(secret_values=["tok-123456"]).merged(Masker(secret_values=["Bearer tok-123456"]))
        encoded = base64.b64encode(b"Bearer tok-123456").decode()
        assert masker.text(f"Bearer tok-123456 {encoded}") == f"Bearer {MASK} {MASK}"


def test_a_secret_percent_encoded_twice_is_masked():
    assert Masker(secret_values=[SECRET]).text(quote(quote(SECRET, safe=""), safe="")) == MASK
    assert Masker(secret_values=[SECRET]).text(quote(quote_plus(SECRET), safe="")) == MASK


def test_a_secret_echoed_as_a_header_name_is_masked():
    assert Masker(secret_values=["tok-123456"]).headers({"X-tok-123456": "1"}) == [(f"X-{MASK}", "1")]
