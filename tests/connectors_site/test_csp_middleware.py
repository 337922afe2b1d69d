"""The site's CSP middleware gives the headers django-csp's gives, for every kind of response, while it builds
an ordinary response's header once (connectors_site/middleware.py)."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from connectors_site.middleware import CSPMiddleware

REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"], "report-uri": "/csp-reports/"}}
EXCLUDED = {"EXCLUDE_URL_PREFIXES": ["/excluded/"], "DIRECTIVES": {"default-src": ["'self'"]}}


def respond(status=200, *, nonce=False, **attributes):
    def get_response(request):
        if nonce:
            str(request.csp_nonce)  # a template asking for the nonce
        response = HttpResponse("body", status=status)
        for name, value in attributes.items():
            setattr(response, name, value)
        return response
    return get_response


def headers(middleware_class, get_response, path="/page/"):
    request = RequestFactory().get(path)
    response = middleware_class(get_response)(request)
    return {name: response.get(name) for name in (HEADER, HEADER_REPORT_ONLY)}, request


CASES = {
    "ordinary": respond(),
    "a 404": respond(404),
    "a nonce used": respond(nonce=True),
    "updated by a view": respond(_csp_update={"img-src": ["https://images.example"]}),
    "replaced by a view": respond(_csp_replace={"default-src": ["'none'"]}),
    "configured by a view": respond(_csp_config={"default-src": ["https://only.example"]}),
    "exempt": respond(_csp_exempt=True),
    "report-only exempt": respond(_csp_exempt_ro=True),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("policies", ["site", "with report-only", "with excluded prefix"])
@pytest.mark.parametrize("path", ["/page/", "/excluded/page/"])
def test_the_headers_are_django_csps_own(settings, case, policies, path):
    if policies == "with report-only":
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = REPORT_ONLY
    if policies == "with excluded prefix":
        settings.CONTENT_SECURITY_POLICY = EXCLUDED
    ours, _ = headers(CSPMiddleware, CASES[case], path)
    theirs, _ = headers(LibraryCSPMiddleware, CASES[case], path)
    assert ours == theirs
    if case == "ordinary" and path == "/page/":
        assert ours[HEADER]  # the comparison is not between two empty headers


def test_a_header_the_response_has_already_is_kept():
    ours, _ = headers(CSPMiddleware, lambda request: HttpResponse(headers={HEADER: "default-src 'none'"}))
    assert ours[HEADER] == "default-src 'none'"


def test_a_changed_policy_is_built_again():
    before, _ = headers(CSPMiddleware, respond())
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        during, _ = headers(CSPMiddleware, respond())
    after, _ = headers(CSPMiddleware, respond())
    assert during[HEADER] == "default-src 'none'" and before == after != during


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error():
    _, request = headers(CSPMiddleware, respond())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_debug_error_pages_get_no_header_as_with_django_csp(settings):
    settings.DEBUG = True
    ours, _ = headers(CSPMiddleware, respond(500))
    assert ours == headers(LibraryCSPMiddleware, respond(500))[0] == {HEADER: None, HEADER_REPORT_ONLY: None}


def test_the_site_and_the_api_use_it(settings):
    assert "connectors_site.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert "connectors_site.middleware.CSPMiddleware" in settings.API_MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE
