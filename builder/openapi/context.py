"""The importer's side of auth_types.base.OpenAPIContext: what an auth type asks of a document."""

import dataclasses

from .spec import _resolve
from .text import _SCAN_LIMIT, clean_description, clean_parameter_name, clean_scope_name

MAX_SCOPES = 1000    # the connector document's limit; a document's further scopes are named as left out


@dataclasses.dataclass(frozen=True)
class _Context:
    """Resolve a scheme's URLs against the document's server URL (base) and clean its text."""

    base: str | None
    resolve: bool = True  # False: the URLs come from a discovery document and are taken as they are
    max_scopes: int = MAX_SCOPES

    def resolve_url(self, value, what):
        return _resolve(value, self.base, what) if self.resolve else value

    def clean_name(self, text, limit=50):
        return clean_parameter_name(text, limit=_SCAN_LIMIT if limit is None else limit)

    def clean_scope_name(self, text):
        return clean_scope_name(text)

    def clean_note(self, text, limit):
        return clean_description(text, limit)
