"""Errors as RFC 9457 problem details (application/problem+json), with the path of each field at fault.

A problem names what went wrong in `detail` (the same words the pages use) and, for input the API
refused, lists each fault in `errors` with a JSON Pointer into the request body (`pointer`,
RFC 6901) or the name of a query or path parameter (`parameter`).
"""

from http import HTTPStatus

from django.http import JsonResponse
from ninja import Schema

CONTENT_TYPE = "application/problem+json"


class FieldError(Schema):
    detail: str
    pointer: str | None = None
    parameter: str | None = None


class ProblemOut(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


class Problem(Exception):
    """Raise to answer with a problem: `detail` must be safe to show to the token's user."""

    def __init__(self, status, detail, *, errors=(), headers=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}


def response(status, detail, *, errors=(), headers=None):
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    if errors:
        body["errors"] = list(errors)
    answer = JsonResponse(body, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        answer[name] = value
    return answer


# What an address of the API that names nothing the token's user has is answered (also another user's object).
NOT_FOUND = Problem(404, "Not found (or not yours).")


def answer(problem):
    """Return the response of a raised Problem."""
    return response(problem.status, problem.detail, errors=problem.errors, headers=problem.headers)


def pointer(*parts):
    """Return the JSON Pointer of a place in the body: pointer("credentials", "user") -> "/credentials/user"."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def form_errors(form, *prefix, fields=None):
    """Return the problem's errors for a refused Django form, each at the body path of its field.

    `fields` maps a form field name to its path in the body where they differ; a form-wide
    problem points at `prefix` itself.
    """
    errors = []
    for name, messages in form.errors.items():
        if name == "__all__":
            place = pointer(*prefix)
        else:
            place = pointer(*prefix, *(fields or {}).get(name, (name,)))
        errors += [{"detail": str(message), "pointer": place} for message in messages]
    return errors


def invalid(form, *prefix, fields=None, detail="The request has problems; see errors."):
    """Return the Problem (400) for a refused form."""
    errors = form_errors(form, *prefix, fields=fields)
    if len(errors) == 1:
        detail = errors[0]["detail"]
    return Problem(400, detail, errors=errors)


def validation_errors(errors):
    """Turn django-ninja's validation errors (pydantic's, with a `loc`) into the problem's errors."""
    out = []
    for error in errors:
        where, *rest = list(error.get("loc", ())) or ["body"]
        message = str(error.get("msg", "Not valid."))
        if where == "body":
            # loc is ["body", <the parameter's name>, field, ...]: the body is the parameter.
            out.append({"detail": message, "pointer": pointer(*rest[1:])})
        else:
            out.append({"detail": message, "parameter": ".".join(str(part) for part in rest) or where})
    return out
