"""Request checks that apply to every page, before any view or the admin looks at the request."""

from django.core.exceptions import BadRequest

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
        if NUL in request.path_info or any(
            NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest("The address contains a NUL character.")
        # A forged session cookie with a NUL would reach the session table: treat it as absent.
        for name in [name for name, value in request.COOKIES.items() if NUL in name or NUL in value]:
            del request.COOKIES[name]
        return self.get_response(request)
