"""The pages' Django handler and the API's, each with the middleware it needs (connectors_site/wsgi.py).

A program's call to /api/v1/ carries a token: it needs none of what the pages' middleware does for a
browser (static files, sessions, CSRF, sign-in, messages, two-factor, lockouts), and skipping it takes
about 0.15 ms off each call (bench/api_proxy.py). settings.API_MIDDLEWARE lists what the API keeps, in
settings.MIDDLEWARE's order; the API's tests run through that same list (tests/api/conftest.py).

The API's handler also serves the addresses of settings.API_DIRECT_ROUTES (the proxy's) straight from
their view, through the same middleware but without URL resolving or the REST framework's operation.
"""

import re

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test.utils import override_settings
from django.urls import ResolverMatch
from django.utils.module_loading import import_string


def with_api_middleware(make_handler):
    """Return make_handler() with settings.API_MIDDLEWARE as its middleware (a handler loads its middleware
    once, when it is made; override_settings is only the documented way to hand it another list)."""
    with override_settings(MIDDLEWARE=settings.API_MIDDLEWARE):
        return make_handler()


class DirectRoutes:
    """A Django handler mixin: an address one of settings.API_DIRECT_ROUTES matches (a regular expression over
    the path and the dotted path of a view taking its named groups) goes to that view from the innermost
    middleware, unresolved: the proxy's calls are the API's most frequent, and django-ninja's operation with
    Django's URL resolving cost about 6% of one (bench/proxy_instructions.py). The view then answers everything
    itself (method, authentication, errors as problem details); any other address is resolved as usual."""

    _direct_routes = None

    def _get_response(self, request):
        if self._direct_routes is None:
            self._direct_routes = [(re.compile(pattern), import_string(view))
                                   for pattern, view in settings.API_DIRECT_ROUTES]
        for pattern, view in self._direct_routes:
            if match := pattern.match(request.path_info):
                kwargs = match.groupdict()
                request.resolver_match = ResolverMatch(view, (), kwargs, route=pattern.pattern)
                response = view(request, **kwargs)
                self.check_response(response, view)
                return response
        return super()._get_response(request)


class ApiHandler(DirectRoutes, WSGIHandler):
    """Django's WSGI handler with the direct routes; made with API_MIDDLEWARE (with_api_middleware)."""


class ByPath:
    """A WSGI application that sends the API's addresses to one handler and every other to another."""

    def __init__(self, pages, api):
        self.pages, self.api, self.prefix = pages, api, settings.API_PATH_PREFIX

    def __call__(self, environ, start_response):
        handler = self.api if environ.get("PATH_INFO", "").startswith(self.prefix) else self.pages
        return handler(environ, start_response)


def application(pages):
    """The app's WSGI application: `pages` (Django's handler) for pages, the API's handler for the API."""
    return ByPath(pages, with_api_middleware(ApiHandler))
