"""{% fixed_url 'name' %} gives what {% url 'name' %} gives, whatever the script prefix and URLconf."""

import pytest
from django.template import engines
from django.urls import reverse, set_script_prefix

NAMES = ["microservices", "connections:list", "api:tokens", "webhooks:list", "admin:index", "notifications:settings",
         "accounts:two_factor", "logout"]


def both(name):
    fixed = engines["django"].from_string("{% load fixed_urls %}{% fixed_url name %}").render({"name": name})
    usual = engines["django"].from_string("{% url name %}").render({"name": name})
    return fixed, usual


@pytest.mark.parametrize("prefix", ["/", "/under/a/prefix/", "/a&b/"])
def test_the_same_as_url(prefix):
    set_script_prefix(prefix)
    try:
        for name in NAMES:
            fixed, usual = both(name)
            assert fixed == usual and reverse(name).startswith(prefix), name
    finally:
        set_script_prefix("/")


def test_another_urlconf(settings):
    from django.urls import clear_url_caches

    before = both("microservices")[0]
    settings.ROOT_URLCONF = "tests.connectors_site.other_urls"
    clear_url_caches()
    try:
        assert both("microservices") == ("/elsewhere/", "/elsewhere/") != (before, before)
    finally:
        clear_url_caches()
