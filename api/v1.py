"""The REST API, /api/v1/ (django-ninja): its OpenAPI schema, its docs, its errors as problem details."""

from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from . import problems
from .authentication import TokenAuth, no_token
from .endpoints import connect_links, connections, connectors, proxy

DESCRIPTION = """Manage connectors and connections and call APIs through connections, as a program.

Authenticate with a personal access token (API tokens page): `Authorization: Bearer ccpat_…`.
Each operation needs a scope of the token; a token never grants more than its user has.
Errors are RFC 9457 problem details (`application/problem+json`); `errors` lists each refused
field with a JSON Pointer into the request body (`pointer`) or the parameter's name (`parameter`).
Lists are paginated with `page` and `page_size` and carry `links` (first, prev, next, last).
"""


class Api(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """The schema, with every error answer documented as application/problem+json."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema["paths"].values():
            for operation in path.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        answer["content"] = {problems.CONTENT_TYPE: content["application/json"]}
        return schema


api = Api(
    title="Custom Connectors API", version="1", description=DESCRIPTION, urls_namespace="api-v1",
    auth=TokenAuth(), docs=Swagger(settings={"persistAuthorization": False}),
)
# The proxy first: its calls are the most frequent, and each address pattern tried before its own costs.
api.add_router("", proxy.router)
api.add_router("", connections.router)
api.add_router("", connectors.router)
api.add_router("", connect_links.router)


@api.exception_handler(problems.Problem)
def on_problem(request, exc):
    return problems.answer(exc)


@api.exception_handler(AuthenticationError)
def on_no_token(request, exc):
    return problems.answer(no_token())


@api.exception_handler(ValidationError)
def on_invalid(request, exc):
    errors = problems.validation_errors(exc.errors)
    detail = errors[0]["detail"] if len(errors) == 1 else "The request has problems; see errors."
    return problems.response(400, detail, errors=errors)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return problems.answer(problems.NOT_FOUND)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return problems.response(exc.status_code, str(exc))
