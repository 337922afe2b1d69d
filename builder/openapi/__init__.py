"""Create a Draft connector from a vendor's OpenAPI 3.x or Swagger 2.0 document.

``parse_openapi()`` reads the document (JSON or YAML, at most 5 MB, no alias bombs, no deep
nesting); ``security_schemes()`` lists what each declared security scheme would become, or why
it cannot be imported; ``connector_document_from()`` builds the connector document (the format
export, import and the catalog share) that ``builder.documents.import_document`` stores;
``import_openapi()`` does all three. ``essentials()`` is the small part of a document the import
page carries from one step to the next. Every error's ``str()`` is safe to show next to the field.

The modules, each importing only those listed before it:
``base`` (errors, Scheme), ``safe_yaml`` (the guarded YAML loader), ``parsing`` (text to a dict),
``spec`` (reading a parsed document, its URLs), ``text`` (cleaning names and descriptions),
``context`` (what the auth types ask of a document), ``discovery`` (OpenID Connect),
``schemes`` (every security scheme: the auth types map it, through the registry),
``document`` (the connector document, the import), ``essentials``. Names with an underscore are
shared among these modules only; import the rest from ``builder.openapi``.
"""

from .base import DocumentRefused, OpenAPIError, Scheme, SchemeChoiceError
from .context import MAX_SCOPES
from .discovery import DISCOVERY_MAX_BYTES, DISCOVERY_TIMEOUT, fetch_discovery
from .document import (
    FALLBACK_NAME,
    IDENTITY_SEGMENTS,
    choose_scheme,
    connector_document_from,
    document_for,
    document_title,
    find_test_request,
    import_openapi,
    import_warnings,
    server_warnings,
)
from .essentials import essentials
from .parsing import MAX_DOCUMENT_BYTES, parse_openapi, too_large_message
from .safe_yaml import MAX_DEPTH, MAX_NODES
from .schemes import MAX_DISCOVERIES, MAX_SCHEMES, security_schemes
from .spec import placeholder_host, server_url
from .text import clean_description, clean_name, clean_parameter_name, clean_scope_name, strip_markdown

__all__ = [
    "DISCOVERY_MAX_BYTES", "DISCOVERY_TIMEOUT", "FALLBACK_NAME", "IDENTITY_SEGMENTS",
    "MAX_DEPTH", "MAX_DISCOVERIES", "MAX_DOCUMENT_BYTES", "MAX_NODES", "MAX_SCHEMES", "MAX_SCOPES",
    "DocumentRefused", "OpenAPIError", "Scheme", "SchemeChoiceError",
    "choose_scheme", "clean_description", "clean_name", "clean_parameter_name", "clean_scope_name",
    "connector_document_from", "document_for", "document_title", "essentials", "fetch_discovery",
    "find_test_request", "import_openapi", "import_warnings", "parse_openapi", "placeholder_host",
    "security_schemes", "server_url", "server_warnings",
    "strip_markdown", "too_large_message",
]
