import json
import os
import re

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from builder.documents import FORMAT, MAX_DOCUMENT_BYTES, DocumentInvalid, import_document

# The most the OpenAPI importer reads (builder.openapi.MAX_DOCUMENT_BYTES, not imported here: the
# importer may be absent); a connector document's limit is smaller, and import_document names it.
OPENAPI_MAX_BYTES = 5_000_000
READ_LIMIT = max(OPENAPI_MAX_BYTES, MAX_DOCUMENT_BYTES) + 1
# YAML (or JSON) whose top level names an OpenAPI or Swagger version.
_OPENAPI_YAML = re.compile(rb"^[\"']?(openapi|swagger)[\"']?\s*:", re.MULTILINE)
# What the start of a file too large to parse shows of its kind.
_OPENAPI_HEAD = re.compile(rb"[\"']?\b(openapi|swagger)[\"']?\s*:")
_CONNECTOR_HEAD = re.compile(rb'"format"\s*:\s*"' + re.escape(FORMAT.encode()) + rb'"')


def is_openapi(raw):
    """Return whether the file is an OpenAPI/Swagger document: a top-level "openapi" or "swagger" key."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON: perhaps YAML, which only OpenAPI documents may be
        return bool(_OPENAPI_YAML.search(raw))
    return isinstance(value, dict) and ("openapi" in value or "swagger" in value)


def too_large(file, size, head):
    """Say that the file is larger than any importer reads, naming the limit of the kind it seems to be."""
    megabytes = f"{file} is {size / 1_000_000:.1f} MB"
    openapi_limit = f"{OPENAPI_MAX_BYTES // 1_000_000} MB"
    document_limit = f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"
    if _CONNECTOR_HEAD.search(head):
        return f"{megabytes}; a connector document may be at most {document_limit}."
    if _OPENAPI_HEAD.search(head):
        return f"{megabytes}; an OpenAPI document may be at most {openapi_limit}."
    return f"{megabytes}; a connector document may be at most {document_limit}, an OpenAPI document {openapi_limit}."


class Command(BaseCommand):
    help = ("Import a connector document (JSON), or an OpenAPI/Swagger document (JSON or YAML), "
            "as a new Draft connector.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the document to import")
        parser.add_argument("--user", metavar="USERNAME", help="record the import as made by this user")
        parser.add_argument("--scheme", metavar="NAME",
                            help="OpenAPI only: the security scheme to build the connector from")

    def handle(self, *args, file, user=None, scheme=None, **options):
        try:
            with open(file, "rb") as source:
                raw = source.read(READ_LIMIT)
                size = os.fstat(source.fileno()).st_size
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        if len(raw) >= READ_LIMIT:
            raise CommandError(too_large(file, max(size, len(raw)), raw[:65536]))
        user = self._user(user)
        try:
            warnings = []
            if is_openapi(raw):
                connector, warnings = self._import_openapi(raw, scheme=scheme, user=user)
            elif scheme:
                raise CommandError("--scheme applies to OpenAPI documents only; this is a connector document.")
            else:
                connector = import_document(raw, user=user)
        except DocumentInvalid as error:
            lines = [f"  {path}: {message}" for path, message in error.problems]
            raise CommandError(f"{file} was not imported; fix these problems:\n" + "\n".join(lines)) from None
        self.stdout.write(f"Imported “{connector.name}” as {connector.link_name} "
                          f"(a Draft, id {connector.pk}); enter its secrets in Security.")
        for warning in warnings:
            self.stdout.write(f"Note: {warning}")

    @staticmethod
    def _user(username):
        if not username:
            return None
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user is named {username!r}.") from None

    @staticmethod
    def _import_openapi(raw, *, scheme, user):
        try:
            from builder import openapi
        except ImportError:
            raise CommandError("This is an OpenAPI/Swagger document, but the OpenAPI importer "
                               "(builder/openapi/) is not installed in this version.") from None
        try:
            spec = openapi.parse_openapi(raw)
            chosen = openapi.choose_scheme(openapi.security_schemes(spec), scheme)
        except openapi.OpenAPIError as error:
            choices = getattr(error, "choices", None)
            hint = " Choose one with --scheme NAME." if choices else ""
            raise CommandError(f"{error}{hint}") from None
        return import_document(openapi.document_for(spec, chosen), user=user), openapi.import_warnings(spec, chosen)
