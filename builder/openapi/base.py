"""The importer's errors, and the Scheme each choice of a document's security schemes becomes."""

import dataclasses

from auth_types import registry


class OpenAPIError(ValueError):
    """The document or the choice cannot be imported; ``str()`` says why, safe to show."""


class DocumentRefused(OpenAPIError):
    """The text is not a document this importer reads."""


class SchemeChoiceError(OpenAPIError):
    """No scheme, several, or a refused one was chosen; ``choices`` names the importable ones."""

    def __init__(self, message, choices=()):
        super().__init__(message)
        self.choices = list(choices)


@dataclasses.dataclass
class Scheme:
    """One choice a document's security schemes offer: what it becomes, or why it is refused."""

    name: str
    kind: str
    summary: str
    importable: bool
    reason: str = ""
    key: str = dataclasses.field(default="", repr=False)  # the scheme's key in the document
    auth_type: str = dataclasses.field(default="", repr=False)
    config: dict = dataclasses.field(default_factory=dict, repr=False)
    scopes: list = dataclasses.field(default_factory=list, repr=False)
    note: str = dataclasses.field(default="", repr=False)  # appended to the connector's description
    warnings: list = dataclasses.field(default_factory=list, repr=False)  # what the import left out, and why

    @property
    def completes(self):
        """Return what the admin enters in Security after the import (their own client, its secrets), or ""."""
        return registry.get(self.auth_type).installation_text if self.importable and self.auth_type else ""
