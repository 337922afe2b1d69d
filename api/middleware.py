"""Every error answer under /api/ is a problem detail, also those made before the API's views run."""

from http import HTTPStatus

from . import problems

PREFIX = "/api/"
DETAILS = {
    400: "The request is not valid (an address holding a NUL character, a body too large or malformed...).",
    404: "There is nothing at this address of the API.",
}


class ApiProblemsMiddleware:
    """Turn an error page (HTML) answered to an API address into application/problem+json.

    Django's own refusals (a NUL in the address, a body past DATA_UPLOAD_MAX_MEMORY_SIZE, an
    unknown address) happen before or outside the API's views; a program must still get a
    problem. The proxy's answers are the third party's and pass unchanged.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path_info.startswith(PREFIX) and response.status_code >= 400
                and not getattr(response, "proxied", False)
                and not response.get("Content-Type", "").startswith((problems.CONTENT_TYPE, "application/json"))):
            status = response.status_code
            kept = {name: response[name] for name in ("Allow", "Retry-After", "WWW-Authenticate") if name in response}
            return problems.response(status, DETAILS.get(status, HTTPStatus(status).description + "."), headers=kept)
        return response
