"""Request checks that apply to every page, before any view or the admin looks at the request; the CSP header."""

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.signals import setting_changed
from django.dispatch import receiver

NUL = "\x00"


class RefuseNulCharactersMiddleware:
    """Answer 400 to a NUL character in the path or the query string; ignore a cookie holding one.

    PostgreSQL refuses NUL in text, so a search box, a filter or one of Django admin's list
    filters handed such a value would fail with a 500 there (SQLite just finds nothing). No
    address of this site means anything with a NUL in it, so it is refused once, here. Form
    fields refuse NUL in posted values themselves (Django's ProhibitNullCharactersValidator),
    with a message next to the field.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The query string and the cookies are parsed only when their raw text could hold a NUL once decoded
        # (a NUL, %00, or in a cookie a backslash escape): parsing both costs about 2% of an API call.
        query = request.META.get("QUERY_STRING", "")
        if NUL in request.path_info or ((NUL in query or "%00" in query) and any(
            NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
        )):
            raise BadRequest("The address contains a NUL character.")
        # A forged session cookie with a NUL would reach the session table: treat it as absent.
        cookies = request.META.get("HTTP_COOKIE", "")
        if NUL in cookies or "\\" in cookies:
            for name in [name for name, value in request.COOKIES.items() if NUL in name or NUL in value]:
                del request.COOKIES[name]
        return self.get_response(request)


class CSPMiddleware(LibraryCSPMiddleware):
    """django-csp's middleware, with the header of an ordinary response built once, not per response.

    django-csp builds both headers (the policy and the report-only one) from the settings for every
    response: about 0.45 ms of CPU per request under gunicorn, a tenth of a proxied API call
    (bench/api_proxy.py). A response that asks for nothing of its own (no nonce used, no config, update
    or replace from csp's decorators) gets the headers the settings give, built once and again when those
    settings change; any other response is left to django-csp. Both give the same headers
    (tests/connectors_site/test_csp_middleware.py).
    """

    def process_response(self, request, response):
        if not _asks_nothing(request, response) or (response.status_code in (404, 500) and settings.DEBUG):
            return super().process_response(request, response)
        for report_only, header, exempt, setting in _HEADERS:
            policy = _policy(report_only)
            if policy and header not in response and getattr(response, exempt, False) is False:
                prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
                if not request.path_info.startswith(tuple(prefixes)):
                    response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


_HEADERS = ((False, HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"))
_OWN_PARTS = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
_built = {}  # report_only -> the header the settings give


def _asks_nothing(request, response):
    return getattr(request, "_csp_nonce", None) is None and all(
        getattr(response, name, None) is None for name in _OWN_PARTS)


def _policy(report_only):
    if report_only not in _built:
        _built[report_only] = build_policy(report_only=report_only)
    return _built[report_only]


@receiver(setting_changed)
def _forget_built_policies(setting, **kwargs):
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        _built.clear()
