"""The pages' Django handler and the API's, each with the middleware it needs (connectors_site/wsgi.py).

A program's call to /api/v1/ carries a token: it needs none of what the pages' middleware does for a
browser (static files, sessions, CSRF, sign-in, messages, two-factor, lockouts), and skipping it takes
about 0.15 ms off each call (bench/api_proxy.py). settings.API_MIDDLEWARE lists what the API keeps, in
settings.MIDDLEWARE's order; the API's tests run through that same list (tests/api/conftest.py).
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test.utils import override_settings


def with_api_middleware(make_handler):
    """Return make_handler() with settings.API_MIDDLEWARE as its middleware (a handler loads its middleware
    once, when it is made; override_settings is only the documented way to hand it another list)."""
    with override_settings(MIDDLEWARE=settings.API_MIDDLEWARE):
        return make_handler()


class ByPath:
    """A WSGI application that sends the API's addresses to one handler and every other to another."""

    def __init__(self, pages, api):
        self.pages, self.api, self.prefix = pages, api, settings.API_PATH_PREFIX

    def __call__(self, environ, start_response):
        handler = self.api if environ.get("PATH_INFO", "").startswith(self.prefix) else self.pages
        return handler(environ, start_response)


def application(pages):
    """The app's WSGI application: `pages` (Django's handler) for pages, one with API_MIDDLEWARE for the API."""
    return ByPath(pages, with_api_middleware(WSGIHandler))
