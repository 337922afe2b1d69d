"""An API key sent in the query string is added as requests' prepare_url would add it, byte for byte."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.models import PreparedRequest

from auth_types.api_key import with_query_parameter

URLS = [
    "https://api.example.com", "https://api.example.com/v1/items", "https://api.example.com/v1/items?page=2",
    "https://api.example.com/v1/it%C3%A9ms?q=a+b&x=%2F", "http://127.0.0.1:8080/a/b/?", "https://api.example.com/v1#frag",
    "https://api.example.com/v1/items?page=2#frag", "https://xn--bcher-kva.example/v1/b%C3%BCcher?only=1",
]


def prepared(url):
    request = PreparedRequest()
    request.prepare_url(url, None)
    return request.url


def requests_way(url, key, value):
    request = PreparedRequest()
    request.prepare_url(url, [(key, value)])
    return request.url


@pytest.mark.parametrize("url", URLS)
@settings(max_examples=60, deadline=None)
@given(key=st.text(min_size=1, max_size=12), value=st.text(min_size=1, max_size=40))
def test_the_same_url_as_requests_prepare_url(url, key, value):
    url = prepared(url)
    assert with_query_parameter(url, key, value) == requests_way(url, key, value)
