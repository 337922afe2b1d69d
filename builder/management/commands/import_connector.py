import json
import re

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from builder.documents import DocumentInvalid, import_document

# YAML (or JSON) whose top level names an OpenAPI or Swagger version.
# Larger than what either importer accepts: each refuses an oversized document with its own message.
READ_LIMIT = 16 * 1024 * 1024
_OPENAPI_YAML = re.compile(rb"^[\"']?(openapi|swagger)[\"']?\s*:", re.MULTILINE)


def is_openapi(raw):
    """Return whether the file is an OpenAPI/Swagger document: a top-level "openapi" or "swagger" key."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON: perhaps YAML, which only OpenAPI documents may be
        return bool(_OPENAPI_YAML.search(raw))
    return isinstance(value, dict) and ("openapi" in value or "swagger" in value)


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
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        user = self._user(user)
        try:
            if is_openapi(raw):
                connector = self._import_openapi(raw, scheme=scheme, user=user)
            elif scheme:
                raise CommandError("--scheme applies to OpenAPI documents only; this is a connector document.")
            else:
                connector = import_document(raw, user=user)
        except DocumentInvalid as error:
            lines = [f"  {path}: {message}" for path, message in error.problems]
            raise CommandError(f"{file} was not imported; fix these problems:\n" + "\n".join(lines)) from None
        self.stdout.write(f"Imported “{connector.name}” as {connector.link_name} "
                          f"(a Draft, id {connector.pk}); enter its secrets in Security.")

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
            return openapi.import_openapi(raw, scheme=scheme, user=user)
        except openapi.OpenAPIError as error:
            choices = getattr(error, "choices", None)
            hint = " Choose one with --scheme NAME." if choices else ""
            raise CommandError(f"{error}{hint}") from None
